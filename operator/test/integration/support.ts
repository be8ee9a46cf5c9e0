// Shared helpers of the operator's integration tests.
import { inject } from 'vitest';
import { OperatorConfigSchema, type OperatorConfig, type OperatorConfigInput } from '../../src/config.ts';

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
