// Status writes do not trigger another reconcile: a MetricSink's status
// changes on every check (lastCheckTime), so if its own status writes woke the
// controller, it would reconcile over and over instead of once per check period.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';

const env = inject('testenv');

describe('status writes', () => {
  let client: KubeClient;
  let namespace: string;
  let operator: RunningOperator;
  const reconciles = async (controller: string) =>
    (await operator.metrics.controllers.reconcileDuration.get()).values
      .filter((v) => v.metricName?.endsWith('_count') && v.labels['controller'] === controller)
      .reduce((sum, v) => sum + v.value, 0);

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('status-writes'));
    operator = await startOperator(
      testOperatorConfig(namespace, { sinkCheckMs: 60_000, subscriptionResyncMs: 60_000 }),
      { processMetrics: false },
    );
  });
  afterAll(async () => {
    await operator?.close();
  });

  it('reconcile a settled sink and fleet no more until something changes', async () => {
    await client.create(resourcePath(resources.metricSinks, namespace), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'influx' },
      spec: { url: env.influx.url, database: `status_writes_${namespace.replaceAll('-', '_')}` },
    });
    await client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: 'real' },
      spec: {
        devices: { endpointType: 'smart-shelf' },
        placements: [{ productId: 'tea', position: 'top' }],
        sinks: ['influx'],
      },
    });
    await eventually('the sink Ready and the fleet following it', async () => {
      const fleet = await client.get<ShelfFleet & KubeObject>(
        resourcePath(resources.shelfFleets, namespace, 'real'),
      );
      const sink = await client.get<MetricSink & KubeObject>(
        resourcePath(resources.metricSinks, namespace, 'influx'),
      );
      const sinkReady = fleet.status?.conditions?.find((c) => c.type === 'SinkReady')?.status;
      return sink.status?.writable && sinkReady === 'True' ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    const settled = { sinks: await reconciles('metricsink'), fleets: await reconciles('shelffleet') };
    // A sink change (new generation) is the only thing that should wake the sink controller now.
    await new Promise((r) => setTimeout(r, 3000));
    expect({ sinks: await reconciles('metricsink'), fleets: await reconciles('shelffleet') }).toEqual(
      settled,
    );
    await client.mergePatch(resourcePath(resources.metricSinks, namespace, 'influx'), {
      spec: { bufferMaxPoints: 5000 },
    });
    await eventually('one more sink reconcile', async () =>
      (await reconciles('metricsink')) > settled.sinks ? true : undefined,
    );
  });
});
