// The API server restarts while the operator runs: its watches break, it
// lists and watches again on its own, and converges on what changed meanwhile
// and afterwards — without being restarted. This file starts its own
// environment because it stops the API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, scrapeMetric, TestEnv } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';

type Fleet = ShelfFleet & KubeObject;

describe('API server restart', () => {
  let env: TestEnv;
  let client: KubeClient;
  let namespace: string;
  let operator: RunningOperator;
  const fleetPath = (name?: string) => resourcePath(resources.shelfFleets, namespace, name);
  const stsReplicas = (name: string, replicas: number) =>
    eventually(
      `${name} StatefulSet at ${replicas}`,
      async () => {
        const sts = await client.get<KubeObject & { spec: { replicas: number } }>(
          resourcePath(resources.statefulSets, namespace, `${name}-sim`),
        );
        return sts.spec.replicas === replicas ? sts : undefined;
      },
      60_000,
    );
  const createFleet = (name: string, replicas: number) =>
    client.create(fleetPath(), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name },
      spec: { replicas, placements: [{ productId: 'tea', position: 'top' }], simulator: {} },
    });

  beforeAll(async () => {
    env = await TestEnv.start({ influx: false, nodes: false, controllerManager: false });
    ({ client, namespace } = await clusterWithCrds('restart', env.apiserver!.kubeconfig));
    operator = await startOperator(testOperatorConfig(namespace, { kubeconfig: env.apiserver!.kubeconfig }), {
      processMetrics: false,
    });
  });
  afterAll(async () => {
    await operator?.close();
    await env?.stop();
  });

  it('recovers its watches and converges without a restart of its own', async () => {
    await createFleet('before', 1);
    await stsReplicas('before', 1);
    // Read from the operator's /metrics: its watches are counted there, under its own name.
    const restarts = () => scrapeMetric(operator.url, 'shelfpulse_operator_watch_restarts_total');
    const restartsBefore = await restarts();

    await env.apiserver!.restart();

    // Changes made after the restart reach the operator through its new watches.
    await client.mergePatch(fleetPath('before'), { spec: { replicas: 3 } });
    await createFleet('after', 2);
    await stsReplicas('before', 3);
    await stsReplicas('after', 2);
    const after = await eventually('after reconciled', async () => {
      const f = await client.get<Fleet>(fleetPath('after'));
      return f.status?.observedGeneration === f.metadata.generation ? f : undefined;
    });
    expect(after.status?.selector).toContain('shelfpulse.io/fleet=after');
    expect(await restarts()).toBeGreaterThan(restartsBefore);
    expect(operator.isLeader()).toBe(true);
  });
});
