// A reconcile that is running when this replica's leadership ends must not
// go on acting: no device-cloud write and no status write after the moment
// leadership is lost (the new leader does them). The device cloud is a test
// HTTP server that answers the first read slowly; leadership ends meanwhile.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { OperatorContext } from '../../src/context.ts';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { allowReferenceLabel } from '@shelfpulse/core/kube/secret-reference';
import { EventRecorder } from '@shelfpulse/core/runtime/events';
import { Informer } from '@shelfpulse/core/runtime/informer';
import { KeyedMutex } from '@shelfpulse/core/runtime/keyed-mutex';
import { OperatorMetrics } from '../../src/metrics.ts';
import { reconcileShelfFleet } from '../../src/shelf-fleet/reconcile.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';

const log = pino({ level: 'silent' });

describe('a reconcile when leadership ends', () => {
  let client: KubeClient;
  let namespace: string;
  let cloud: Server;
  let cloudUrl: string;
  const requests: string[] = [];
  let onFirstRead: (() => void) | undefined;
  const informers: Array<Informer<KubeObject>> = [];

  const context = (leading: AbortSignal): OperatorContext => {
    const metrics = new OperatorMetrics(false);
    const informer = <T extends KubeObject>(name: string, r: typeof resources.shelfFleets) => {
      const i = new Informer<T>(
        client,
        {
          name,
          path: resourcePath(r, namespace),
          resyncMs: 600_000,
          watchTimeoutSeconds: 60,
          silenceMs: 120_000,
        },
        log,
        metrics.watch,
      );
      informers.push(i as unknown as Informer<KubeObject>);
      i.start();
      return i;
    };
    return {
      client,
      config: testOperatorConfig(namespace),
      log,
      metrics,
      events: new EventRecorder(client, 'test', log),
      informers: {
        fleets: informer<ShelfFleet & KubeObject>('shelffleets', resources.shelfFleets),
        sinks: informer<MetricSink & KubeObject>('metricsinks', resources.metricSinks),
        statefulSets: informer('statefulsets', resources.statefulSets),
        configMaps: informer('configmaps', resources.configMaps),
      },
      deviceCloud: (c) => new MbedSdkDeviceCloud(c),
      ownApiKey: async () => undefined,
      leading,
      presubscriptionLock: new KeyedMutex(),
    };
  };
  const synced = (ctx: OperatorContext) =>
    Promise.all(Object.values(ctx.informers).map((i) => (i as Informer<KubeObject>).synced));
  const fleetStatus = async (name: string) =>
    (await client.get<ShelfFleet & KubeObject>(resourcePath(resources.shelfFleets, namespace, name))).status;

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('leadership-lost'));
    cloud = createServer((req, res) => {
      requests.push(`${req.method} ${req.url?.split('?')[0]}`);
      req.resume();
      const answer = () => {
        if (req.method === 'GET' && req.url?.startsWith('/v2/subscriptions'))
          res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
        else res.writeHead(204).end();
      };
      if (onFirstRead) {
        onFirstRead();
        onFirstRead = undefined;
        setTimeout(answer, 300);
      } else answer();
    });
    await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
    cloudUrl = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;
    await client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'key', labels: { [allowReferenceLabel]: 'true' } },
      stringData: { apiKey: 'tenant-key' },
    });
    for (const name of ['lost-before', 'lost-during', 'leading'])
      await client.create(resourcePath(resources.shelfFleets, namespace), {
        apiVersion,
        kind: 'ShelfFleet',
        metadata: { name },
        spec: {
          devices: { endpointNamePrefix: `${name}-` },
          placements: [{ productId: 'tea', position: 'top' }],
          deviceCloud: { apiUrl: cloudUrl, apiKeySecretRef: { name: 'key', key: 'apiKey' } },
        },
      });
  });
  afterAll(async () => {
    await Promise.all(informers.map((i) => i.stop()));
    await new Promise((r) => cloud?.close(r));
  });

  it('does nothing once leadership has ended', async () => {
    const lost = new AbortController();
    lost.abort();
    const ctx = context(lost.signal);
    await synced(ctx);
    await reconcileShelfFleet(ctx, `${namespace}/lost-before`);
    expect(requests).toEqual([]);
    expect(await fleetStatus('lost-before')).toBeUndefined();
  });

  it('stops at the next step when leadership ends during the reconcile', async () => {
    const leadership = new AbortController();
    const ctx = context(leadership.signal);
    await synced(ctx);
    requests.length = 0;
    onFirstRead = () => leadership.abort();
    await reconcileShelfFleet(ctx, `${namespace}/lost-during`);
    // The read in flight when leadership ended; no write after it.
    expect(requests).toEqual(['GET /v2/subscriptions']);
    expect(await fleetStatus('lost-during')).toBeUndefined();
  });

  it('does the whole reconcile while leading (the test server does see writes)', async () => {
    const ctx = context(new AbortController().signal);
    await synced(ctx);
    requests.length = 0;
    await reconcileShelfFleet(ctx, `${namespace}/leading`).catch(() => undefined);
    expect(requests).toContain('PUT /v2/subscriptions');
    await eventually('a status', async () => (await fleetStatus('leading')) ?? undefined);
  });
});
