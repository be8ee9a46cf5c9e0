// Where the kubelet of the test node (cgroupfs driver, cgroups v1) puts a pod's
// first container: kubepods[/burstable|/besteffort]/pod<uid>/<container id>,
// in each controller's hierarchy. Read on the node, as an operator would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';

export function containerCgroupDir(pod: V1Pod, controller: 'memory' | 'pids'): string | undefined {
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '');
  if (!id || !pod.metadata?.uid) return undefined;
  const qos = pod.status?.qosClass?.toLowerCase();
  const parents = qos === 'guaranteed' ? [] : [qos ?? 'burstable'];
  return join('/sys/fs/cgroup', controller, 'kubepods', ...parents, `pod${pod.metadata.uid}`, id);
}

/** The processes of the pod's first container, as host PIDs. */
export function containerProcesses(pod: V1Pod): number[] {
  const dir = containerCgroupDir(pod, 'pids');
  if (!dir) return [];
  return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
}
