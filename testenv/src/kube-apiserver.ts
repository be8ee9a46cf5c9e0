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

export interface KubeApiserverOptions {
  /** Listen and advertise here instead of 127.0.0.1 (the real node's side of its veth). */
  address?: string;
  /** More lines for the static token file (the node's own components). */
  tokenLines?: string[];
  /** A real node: Node authorization, and a client certificate for the kubelet's API. */
  kubeletClient?: { certFile: string; keyFile: string };
}

export async function startKubeApiserver(
  workDir: string,
  etcdUrl: string,
  options: KubeApiserverOptions = {},
): Promise<KubeApiserver> {
  const dir = join(workDir, 'kube-apiserver');
  const certDir = join(dir, 'certs');
  mkdirSync(certDir, { recursive: true });

  const adminToken = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  const tokens = [
    `${adminToken},shelfpulse-admin,shelfpulse-admin,"system:masters"`,
    ...(options.tokenLines ?? []),
  ];
  writeFileSync(tokenFile, `${tokens.join('\n')}\n`, { mode: 0o600 });

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKeyFile = join(dir, 'sa.pub');
  const serviceAccountSigningKeyFile = join(dir, 'sa.key');
  writeFileSync(serviceAccountKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(serviceAccountSigningKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });

  const port = await freePort();
  const address = options.address ?? '127.0.0.1';
  const server = `https://${address}:${port}`;
  // The apiserver writes a self-signed serving certificate and its CA here.
  const caFile = join(certDir, 'apiserver.crt');

  const process = new ManagedProcess({
    name: 'kube-apiserver',
    command: binary('kube-apiserver'),
    logFile: join(workDir, 'kube-apiserver.log'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${address}`,
      `--advertise-address=${address}`,
      `--secure-port=${port}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${tokenFile}`,
      ...(options.kubeletClient
        ? [
            '--authorization-mode=Node,RBAC',
            '--enable-admission-plugins=NodeRestriction',
            // Reach the kubelet by its address: the node's name is not in any DNS.
            '--kubelet-preferred-address-types=InternalIP',
            `--kubelet-client-certificate=${options.kubeletClient.certFile}`,
            `--kubelet-client-key=${options.kubeletClient.keyFile}`,
          ]
        : [
            '--authorization-mode=RBAC',
            // No kubelet here; keep the Endpoints of the default Service out of the way.
            '--endpoint-reconciler-type=none',
          ]),
      '--anonymous-auth=false',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${serviceAccountKeyFile}`,
      `--service-account-signing-key-file=${serviceAccountSigningKeyFile}`,
      '--service-cluster-ip-range=10.0.0.0/24',
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
