// Kubeconfig files for the test API server: one for the admin (a static token in
// group system:masters) and minted ones for ServiceAccounts (TokenRequest API).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { TestEnvInfo } from './env.ts';

export interface ClusterAccess {
  server: string;
  caFile: string;
}

export function kubeconfigYaml(access: ClusterAccess, user: string, token: string): string {
  // JSON is valid YAML; kubectl, helm and client-node all read it.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'shelfpulse-test', cluster: { server: access.server, 'certificate-authority': access.caFile } },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'shelfpulse-test', user } }],
    'current-context': user,
  };
  return JSON.stringify(config, null, 2) + '\n';
}

export function writeKubeconfig(path: string, access: ClusterAccess, user: string, token: string): string {
  writeFileSync(path, kubeconfigYaml(access, user, token), { mode: 0o600 });
  return path;
}

/** Writes a copy of the kubeconfig at `from` whose clusters are reached at `server` (e.g. a proxy's url). */
export function writeKubeconfigVia(from: string, server: string, path: string): string {
  const config = JSON.parse(readFileSync(from, 'utf8')) as {
    clusters: Array<{ cluster: { server: string } }>;
  };
  for (const c of config.clusters) c.cluster.server = server;
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Writes a kubeconfig that authenticates as `namespace/serviceAccount`, using a
 * bound token from the TokenRequest API (the ServiceAccount must exist).
 */
export async function mintServiceAccountKubeconfig(
  admin: KubeConfig,
  access: ClusterAccess,
  namespace: string,
  serviceAccount: string,
  path: string,
  expirationSeconds = 3600,
): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token issued for ${namespace}/${serviceAccount}`);
  return writeKubeconfig(path, access, `system:serviceaccount:${namespace}:${serviceAccount}`, token);
}

/** A kubeconfig for `namespace/serviceAccount` on the test environment's API server, kept in its work directory. */
export function serviceAccountKubeconfig(
  env: TestEnvInfo,
  namespace: string,
  serviceAccount: string,
): Promise<string> {
  return mintServiceAccountKubeconfig(
    loadKubeConfig(env.kube.kubeconfig),
    { server: env.kube.server, caFile: env.kube.caFile },
    namespace,
    serviceAccount,
    join(env.workDir, `${namespace}-${serviceAccount}.kubeconfig`),
  );
}
