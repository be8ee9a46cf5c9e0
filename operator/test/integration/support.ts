// Shared helpers of the operator's integration tests.
import type { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { KubeClient } from '@shelfpulse/core/kube/client';
import { fromKubeconfig } from '@shelfpulse/core/kube/connection';
import { createNamespace, loadKubeConfig } from '@shelfpulse/testenv';
import { installCrds } from '../../src/crd/install.ts';
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

/** The real API server with the CRDs installed, and a namespace of the test's own: where most tests start. */
export async function clusterWithCrds(
  prefix: string,
  kubeconfig = inject('testenv').kube.kubeconfig,
): Promise<{ kc: KubeConfig; client: KubeClient; namespace: string }> {
  const kc = loadKubeConfig(kubeconfig);
  const client = new KubeClient(fromKubeconfig(kubeconfig));
  await installCrds(client);
  return { kc, client, namespace: await createNamespace(kc, prefix) };
}
