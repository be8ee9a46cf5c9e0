// Shared helpers of the operator's integration tests.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { OperatorConfigSchema, type OperatorConfig, type OperatorConfigInput } from '../../src/config.ts';

const run = promisify(execFile);

export async function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args]);
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(failure.stderr?.trim() || failure.message, { cause: error });
  }
}

export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Polls `check` until it returns a value that is not undefined. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Operator settings for a test: one namespace, no leader election, fast timings, quiet logs. */
export function testOperatorConfig(
  namespace: string,
  overrides: Partial<OperatorConfigInput> = {},
): OperatorConfig {
  return OperatorConfigSchema.parse({
    kubeconfig: inject('testenv').kube.kubeconfig,
    namespace,
    watchNamespace: namespace,
    identity: `test-${namespace}`,
    listenPort: 0,
    logLevel: process.env['SHELFPULSE_TEST_LOG'] ?? 'error',
    leaderElection: false,
    resyncMs: 60_000,
    subscriptionResyncMs: 2_000,
    sinkCheckMs: 2_000,
    deviceListMaxAgeMs: 500,
    lwm2mHost: '127.0.0.1',
    lwm2mPort: 5683,
    ...overrides,
  });
}
