// How to reach the API server: in-cluster (the pod's ServiceAccount token,
// re-read as the kubelet rotates it) or a kubeconfig file with a token or a
// client certificate. Built on node:https rather than @kubernetes/client-node,
// whose generated models cost the process ~90 MB of memory at import; only a
// kubeconfig with an exec or auth-provider plugin (EKS, GKE, AKS, OIDC), which
// happens out of the cluster, loads client-node to run the plugin.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export interface KubeConnection {
  server: URL;
  agent: http.Agent;
  /** Authorization headers for the next request. */
  headers(): Record<string, string> | Promise<Record<string, string>>;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

const KubeconfigSchema = z.object({
  'current-context': z.string().optional(),
  clusters: z.array(
    z.object({
      name: z.string(),
      cluster: z.object({
        server: z.string(),
        'certificate-authority': z.string().optional(),
        'certificate-authority-data': z.string().optional(),
        'insecure-skip-tls-verify': z.boolean().optional(),
      }),
    }),
  ),
  users: z
    .array(z.object({ name: z.string(), user: z.record(z.string(), z.unknown()).default({}) }))
    .default([]),
  contexts: z.array(
    z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string().optional() }) }),
  ),
});

const UserSchema = z.object({
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  'client-certificate': z.string().optional(),
  'client-certificate-data': z.string().optional(),
  'client-key': z.string().optional(),
  'client-key-data': z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  exec: z.unknown().optional(),
  'auth-provider': z.unknown().optional(),
});

/** A kubeconfig file, or (without one) KUBECONFIG, the in-cluster ServiceAccount, or ~/.kube/config. */
export function loadConnection(kubeconfig?: string): KubeConnection {
  const path = kubeconfig ?? process.env['KUBECONFIG']?.split(':')[0];
  if (path) return fromKubeconfig(path);
  if (process.env['KUBERNETES_SERVICE_HOST']) return inCluster();
  return fromKubeconfig(join(homedir(), '.kube', 'config'));
}

export function inCluster(): KubeConnection {
  const host = process.env['KUBERNETES_SERVICE_HOST']!;
  const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const tokenFile = join(serviceAccountDir, 'token');
  return {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`),
    agent: new https.Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: readFileSync(join(serviceAccountDir, 'ca.crt')),
    }),
    headers: rereadToken(tokenFile),
  };
}

export function fromKubeconfig(path: string): KubeConnection {
  const raw = KubeconfigSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!raw.success) throw new Error(`${path} is not a kubeconfig: ${raw.error.issues[0]?.message}`);
  const config = raw.data;
  const context = config.contexts.find((c) => c.name === config['current-context']) ?? config.contexts[0];
  if (!context) throw new Error(`${path} has no context`);
  const cluster = config.clusters.find((c) => c.name === context.context.cluster)?.cluster;
  if (!cluster) throw new Error(`${path}: context ${context.name} names an unknown cluster`);
  const user = UserSchema.parse(config.users.find((u) => u.name === context.context.user)?.user ?? {});
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : join(dirname(path), p));
  const data = (d: string) => Buffer.from(d, 'base64');
  const server = new URL(cluster.server);
  const tls: https.AgentOptions = {
    keepAlive: true,
    maxSockets: 64,
    ...(cluster['certificate-authority'] ? { ca: file(cluster['certificate-authority']) } : {}),
    ...(cluster['certificate-authority-data'] ? { ca: data(cluster['certificate-authority-data']) } : {}),
    ...(cluster['insecure-skip-tls-verify'] ? { rejectUnauthorized: false } : {}),
    ...(user['client-certificate'] ? { cert: file(user['client-certificate']) } : {}),
    ...(user['client-certificate-data'] ? { cert: data(user['client-certificate-data']) } : {}),
    ...(user['client-key'] ? { key: file(user['client-key']) } : {}),
    ...(user['client-key-data'] ? { key: data(user['client-key-data']) } : {}),
  };
  const agent =
    server.protocol === 'https:' ? new https.Agent(tls) : new http.Agent({ keepAlive: true, maxSockets: 64 });
  let headers: KubeConnection['headers'] = () => ({});
  if (user.exec || user['auth-provider']) headers = pluginHeaders(path);
  else if (user.token) headers = () => ({ authorization: `Bearer ${user.token}` });
  else if (user.tokenFile) headers = rereadToken(user.tokenFile);
  else if (user.username) {
    const basic = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    headers = () => ({ authorization: basic });
  }
  return { server, agent, headers };
}

/** Bound ServiceAccount tokens rotate: read the file again at most once a minute. */
function rereadToken(path: string): () => Record<string, string> {
  let token = '';
  let readAt = 0;
  return () => {
    if (Date.now() - readAt > 60_000) {
      token = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return { authorization: `Bearer ${token}` };
  };
}

/**
 * Credentials from an exec or auth-provider plugin, through client-node's
 * KubeConfig (imported on first use), which runs the plugin and caches its
 * token until it expires.
 */
function pluginHeaders(path: string): () => Promise<Record<string, string>> {
  let config: Promise<{ applyToHTTPSOptions(o: https.RequestOptions): Promise<void> }> | undefined;
  return async () => {
    config ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      return kc;
    });
    const options: https.RequestOptions & { headers: Record<string, string> } = { headers: {} };
    await (await config).applyToHTTPSOptions(options);
    const authorization = options.headers['Authorization'] ?? options.headers['authorization'];
    if (!authorization) throw new Error(`${path}: the credential plugin gave no token`);
    return { authorization };
  };
}
