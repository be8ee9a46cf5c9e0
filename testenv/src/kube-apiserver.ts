// A real kube-apiserver on loopback with authentication and RBAC on, as in a
// real cluster. The admin authenticates with a static token in system:masters;
// ServiceAccount tokens are signed with a key generated per environment.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './bins.ts';
import { getStatus } from './http-probe.ts';
import { writeKubeconfig, type ClusterAccess } from './kubeconfig.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePort } from './ports.ts';

export interface KubeApiserver extends ClusterAccess {
  process: ManagedProcess;
  /** Admin kubeconfig (system:masters). */
  kubeconfig: string;
  adminToken: string;
  serviceAccountKeyFile: string;
  serviceAccountSigningKeyFile: string;
  /** Stops and starts again on the same port, certificates and etcd data. */
  restart(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKubeApiserver(workDir: string, etcdUrl: string): Promise<KubeApiserver> {
  const dir = join(workDir, 'kube-apiserver');
  const certDir = join(dir, 'certs');
  mkdirSync(certDir, { recursive: true });

  const adminToken = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${adminToken},shelfpulse-admin,shelfpulse-admin,"system:masters"\n`, {
    mode: 0o600,
  });

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKeyFile = join(dir, 'sa.pub');
  const serviceAccountSigningKeyFile = join(dir, 'sa.key');
  writeFileSync(serviceAccountKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(serviceAccountSigningKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });

  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  // The apiserver writes a self-signed serving certificate and its CA here.
  const caFile = join(certDir, 'apiserver.crt');

  const process = new ManagedProcess({
    name: 'kube-apiserver',
    command: binary('kube-apiserver'),
    logFile: join(workDir, 'kube-apiserver.log'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=RBAC',
      '--anonymous-auth=false',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${serviceAccountKeyFile}`,
      `--service-account-signing-key-file=${serviceAccountSigningKeyFile}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      // No kubelet here; keep the Endpoints of the default Service out of the way.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--v=1',
    ],
  });

  const ready = async (): Promise<boolean> => {
    if (!existsSync(caFile)) return false;
    const status = await getStatus(`${server}/readyz`, {
      ca: readFileSync(caFile),
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return status === 200;
  };
  const start = async (): Promise<void> => {
    process.start();
    await process.waitUntil(ready, 90_000);
  };
  await start();

  const access = { server, caFile };
  const kubeconfig = writeKubeconfig(
    join(workDir, 'admin.kubeconfig'),
    access,
    'shelfpulse-admin',
    adminToken,
  );
  return {
    ...access,
    process,
    kubeconfig,
    adminToken,
    serviceAccountKeyFile,
    serviceAccountSigningKeyFile,
    start,
    stop: () => process.stop(),
    restart: async () => {
      await process.stop();
      await start();
    },
  };
}
