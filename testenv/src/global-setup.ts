// vitest global setup for the integration project: one environment for the run.
import type { TestProject } from 'vitest/node';
import { TestEnv, type TestEnvInfo } from './env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const env = await TestEnv.start({ log: (line) => console.log(`[testenv] ${line}`) });
  console.log(`[testenv] ready in ${Date.now() - started} ms (${env.workDir})`);
  project.provide('testenv', env.info());
  return () => env.stop();
}
