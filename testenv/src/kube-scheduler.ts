// The real kube-scheduler, so pods of Deployments and StatefulSets get bound to
// the kwok node and move on to Running/Ready.
import { join } from 'node:path';
import { binary } from './bins.ts';
import type { KubeApiserver } from './kube-apiserver.ts';
import { ManagedProcess } from './managed-process.ts';

export async function startKubeScheduler(workDir: string, api: KubeApiserver): Promise<ManagedProcess> {
  const process = new ManagedProcess({
    name: 'kube-scheduler',
    command: binary('kube-scheduler'),
    logFile: join(workDir, 'kube-scheduler.log'),
    args: [`--kubeconfig=${api.kubeconfig}`, '--leader-elect=false', '--secure-port=0', '--v=1'],
  });
  process.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (!process.running) throw new Error(`kube-scheduler exited:\n${process.tail()}`);
  return process;
}
