// A real node for the test cluster: containerd and runc from Debian, the
// kubelet and kube-proxy from the API server's Kubernetes release, CNI's
// bridge, and CoreDNS, all inside a network namespace of the test
// environment's own. Pods run the images built by images/build.sh.
//
// Prepared in two steps because the API server needs the node's network and
// credentials before it starts, and the node needs the API server.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { ClusterAccess } from '../kubeconfig.ts';
import type { ManagedProcess } from '../managed-process.ts';
import { installClusterDns } from './cluster-dns.ts';
import { writeCniConfig } from './cni.ts';
import { startContainerd, type Containerd } from './containerd.ts';
import { cleanUpHost } from './host-cleanup.ts';
import type { ImageSet } from './images.ts';
import { nodeName, startKubelet } from './kubelet.ts';
import { kubeProxyUser, startKubeProxy } from './kube-proxy.ts';
import { acquireNodeLock, releaseNodeLock } from './lock.ts';
import { createNodeNetwork, nodeNetwork } from './network.ts';
import { createNodePki, type NodePki } from './pki.ts';

export { nodeNetwork } from './network.ts';
export { buildImages, type ImageSet } from './images.ts';
export { nodeName } from './kubelet.ts';

export interface NodeStatic {
  dir: string;
  pki: NodePki;
  /** Static tokens the API server must accept: user → token. */
  tokens: { node: string; kubeProxy: string };
  /** What the API server's token file needs for them. */
  tokenLines: string[];
}

/**
 * Before anything else: one node per machine, and what a killed run left
 * (mounts under its directory keep it from being removed) is cleaned up.
 */
export async function claimHostForTestNode(): Promise<void> {
  if (acquireNodeLock()) await cleanUpHost();
}

/** Before the API server starts: the network, the certificates and tokens. */
export function prepareTestNode(workDir: string): NodeStatic {
  createNodeNetwork();
  const dir = join(workDir, 'node');
  const pki = createNodePki(join(dir, 'pki'));
  const tokens = { node: randomBytes(24).toString('hex'), kubeProxy: randomBytes(24).toString('hex') };
  return {
    dir,
    pki,
    tokens,
    tokenLines: [
      `${tokens.node},system:node:${nodeName},${nodeName},"system:nodes"`,
      `${tokens.kubeProxy},${kubeProxyUser},${kubeProxyUser}`,
    ],
  };
}

/** The node never started (the control plane failed): undo prepareTestNode. */
export async function abandonTestNode(prepared: NodeStatic): Promise<void> {
  await cleanUpHost(prepared.dir);
  releaseNodeLock();
}

export interface TestNode {
  name: string;
  runtimeVersion: string;
  containerd: Containerd;
  kubelet: ManagedProcess;
  kubeProxy: ManagedProcess;
  stop(): Promise<void>;
}

export async function startTestNode(
  prepared: NodeStatic,
  access: ClusterAccess,
  admin: KubeConfig,
  images: ImageSet,
  log: (line: string) => void,
): Promise<TestNode> {
  const { dir } = prepared;
  let containerd: Containerd | undefined;
  let kubelet: ManagedProcess | undefined;
  let kubeProxy: ManagedProcess | undefined;
  // Pods first, then the kubelet (so it restarts nothing), then the runtime;
  // each step runs even when an earlier one failed (a process already gone).
  const stop = async (): Promise<void> => {
    const steps: [string, () => unknown][] = [
      ['kill containers', () => containerd?.killAllTasks()],
      ['stop kubelet', () => kubelet?.stop()],
      ['stop kube-proxy', () => kubeProxy?.stop()],
      ['stop containerd', () => containerd?.process.stop()],
      ['clean up the host', () => cleanUpHost(dir)],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (error) {
        log(`node stop: ${what} failed: ${(error as Error).message}`);
      }
    }
    releaseNodeLock();
  };
  try {
    let t = Date.now();
    containerd = await startContainerd(join(dir, 'containerd'), {
      sandboxImage: images.pause,
      cniConfDir: writeCniConfig(join(dir, 'cni')),
    });
    for (const archive of images.archives) containerd.importImage(archive);
    log(`containerd ready, ${images.archives.length} images imported (${Date.now() - t} ms)`);

    await admin.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        metadata: { name: 'shelfpulse-test:kube-proxy' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-proxier' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: kubeProxyUser }],
      },
    });
    t = Date.now();
    kubelet = startKubelet(join(dir, 'kubelet'), {
      access,
      token: prepared.tokens.node,
      containerdSocket: containerd.socket,
      clientCaFile: prepared.pki.caFile,
    });
    kubeProxy = startKubeProxy(join(dir, 'kube-proxy'), access, prepared.tokens.kubeProxy);
    const core = admin.makeApiClient(CoreV1Api);
    let runtimeVersion = '';
    await kubelet.waitUntil(async () => {
      const node = await core.readNode({ name: nodeName });
      runtimeVersion = node.status?.nodeInfo?.containerRuntimeVersion ?? '';
      const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      // The node lifecycle controller lifts the not-ready taint once the node is Ready.
      return (
        Boolean(ready) &&
        !(node.spec?.taints ?? []).some((taint) => taint.key.startsWith('node.kubernetes.io/'))
      );
    }, 60_000);
    log(`node ${nodeName} Ready with ${runtimeVersion} (${Date.now() - t} ms)`);

    t = Date.now();
    await installClusterDns(admin, images.coredns);
    const apps = admin.makeApiClient(AppsV1Api);
    await kubelet.waitUntil(async () => {
      const dns = await apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' });
      return (dns.status?.readyReplicas ?? 0) >= 1;
    }, 120_000);
    log(`cluster DNS ready at ${nodeNetwork.dnsAddress} (${Date.now() - t} ms)`);
    return { name: nodeName, runtimeVersion, containerd, kubelet, kubeProxy, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
