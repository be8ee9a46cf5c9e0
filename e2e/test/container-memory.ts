// A container's memory as the kernel accounts it (cgroup v1, the test node's
// cgroupfs layout), read on the node: the working set as the kubelet computes
// it (usage less inactive file pages) and the limit the runtime set.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';

export interface ContainerMemory {
  pod: string;
  container: string;
  workingSetBytes: number;
  rssBytes: number;
  limitBytes: number;
}

const memoryRoot = '/sys/fs/cgroup/memory/kubepods';

export function containerMemory(pod: V1Pod): ContainerMemory | undefined {
  const status = pod.status?.containerStatuses?.[0];
  const id = status?.containerID?.replace(/^containerd:\/\//, '');
  if (!id || !pod.metadata?.uid) return undefined;
  const qos = pod.status?.qosClass?.toLowerCase();
  const podDir = `pod${pod.metadata.uid}`;
  const dir = join(memoryRoot, ...(qos === 'guaranteed' ? [] : [qos ?? 'burstable']), podDir, id);
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  const stat = Object.fromEntries(
    read('memory.stat')
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string])
      .map(([key, value]) => [key, Number(value)]),
  ) as Record<string, number>;
  const usage = Number(read('memory.usage_in_bytes'));
  return {
    pod: pod.metadata.name ?? '',
    container: status!.name,
    workingSetBytes: Math.max(0, usage - (stat['total_inactive_file'] ?? 0)),
    rssBytes: stat['total_rss'] ?? 0,
    limitBytes: Number(read('memory.limit_in_bytes')),
  };
}
