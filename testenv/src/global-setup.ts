// vitest global setup: one environment per project and run. The e2e project
// gets a real node (kubelet, containerd, kube-proxy, cluster DNS) running the
// images built here; the integration project gets kwok's pretend node.
import type { TestProject } from 'vitest/node';
import { TestEnv, type TestEnvInfo } from './env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const node = project.name === 'e2e' ? 'kubelet' : 'kwok';
  const log = (line: string): void => console.log(`[testenv:${project.name}] ${line}`);
  const env = await TestEnv.start({ node, log });
  log(`ready in ${Date.now() - started} ms (${env.workDir})`);
  project.provide('testenv', env.info());
  return () => env.stop();
}
