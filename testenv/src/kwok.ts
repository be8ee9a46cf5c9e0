// kwok plays the kubelet for one fake node: pods scheduled there become Running
// and Ready without containers. The simulator processes of the end-to-end tests
// run as ordinary processes beside it, with the configuration the operator
// wrote into the workload.
import { join } from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { binary, cacheDir } from './bins.ts';
import type { KubeApiserver } from './kube-apiserver.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePort } from './ports.ts';

export const kwokNodeName = 'kwok-node-0';
const managedAnnotation = 'kwok.x-k8s.io/node';

export async function startKwok(workDir: string, api: KubeApiserver): Promise<ManagedProcess> {
  const core = loadKubeConfig(api.kubeconfig).makeApiClient(CoreV1Api);
  const resources = { cpu: '32', memory: '256Gi', pods: '250' };
  await core.createNode({
    body: {
      metadata: {
        name: kwokNodeName,
        annotations: { [managedAnnotation]: 'fake' },
        labels: { 'kubernetes.io/hostname': kwokNodeName, 'kubernetes.io/os': 'linux', type: 'kwok' },
      },
      status: { allocatable: resources, capacity: resources },
    },
  });
  const process = new ManagedProcess({
    name: 'kwok',
    command: binary('kwok'),
    logFile: join(workDir, 'kwok.log'),
    args: [
      `--kubeconfig=${api.kubeconfig}`,
      // kwok's own "fast" stages, fetched with its module by hack/ensure-bins.sh.
      `--config=${join(cacheDir(), 'bin', 'kwok-stages')}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${managedAnnotation}=fake`,
      '--cidr=10.0.0.1/24',
      '--node-ip=127.0.0.1',
      `--server-address=127.0.0.1:${await freePort()}`,
    ],
  });
  process.start();
  await process.waitUntil(async () => {
    const node = await core.readNode({ name: kwokNodeName });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }, 30_000);
  // The API server taints a new node not-ready; in a cluster the node lifecycle
  // controller lifts the taint once the node is Ready. It does not run here
  // (without kubelet heartbeats it would evict everything), so lift it directly.
  await core.patchNode(
    { name: kwokNodeName, body: [{ op: 'replace', path: '/spec/taints', value: [] }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  return process;
}
