// Routing from the cluster: the bridge watches ShelfFleet and MetricSink
// resources in a real kube-apiserver, writes to the sink they name with the
// fleet's tags and placements, and follows changes without a restart. It
// talks to the API server through a proxy that can cut its connections, so
// that its watches can be seen to restart, on its own /metrics.
import { join } from 'node:path';
import {
  createNamespace,
  loadKubeConfig,
  scrapeMetric,
  startSilentProxy,
  type SilentProxy,
  writeKubeconfigVia,
} from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiVersion } from '@shelfpulse/core/api/group';
import { installCrds } from '@shelfpulse/operator/crd/install';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import { KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { fromKubeconfig } from '@shelfpulse/core/kube/connection';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { fieldManager } from '../../src/field-manager.ts';
import {
  countNote,
  createDatabase,
  eventually,
  influxql,
  influxqlSeries,
  managedFields,
  productNote,
  silent,
} from './helpers.ts';
import { allowReferenceLabel } from '@shelfpulse/core/kube/secret-reference';

const env = inject('testenv');
const secret = 'kube-routing-secret-0123456789';
let app: BridgeApp;
let client: KubeClient;
let proxy: SilentProxy;
let namespace: string;
const db = `bk_${Math.random().toString(36).slice(2, 8)}`;

async function put(notifications: object[]): Promise<number> {
  const response = await fetch(`${app.url}/notify`, {
    method: 'PUT',
    headers: { 'x-shelfpulse-secret': secret, 'content-type': 'application/json' },
    body: JSON.stringify({ notifications }),
  });
  return response.status;
}

beforeAll(async () => {
  client = new KubeClient(fromKubeconfig(env.kube.kubeconfig));
  await installCrds(client);
  namespace = await createNamespace(loadKubeConfig(env.kube.kubeconfig), 'bridge-routing');
  await createDatabase(env.influx.url, db);
  await client.request('POST', resourcePath(resources.metricSinks, namespace), {
    body: {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'main' },
      spec: {
        url: env.influx.url,
        flavour: 'v1',
        database: db,
        batching: { maxPoints: 1000, flushIntervalMs: 50 },
      },
    },
  });
  await client.request('POST', resourcePath(resources.shelfFleets, namespace), {
    body: {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: 'aisle-7' },
      spec: {
        devices: { endpointNamePrefix: 'kr-' },
        placements: [{ productId: 'oat-milk', position: 'end-cap', capacity: 24, restockThreshold: 6 }],
        sinks: ['main'],
        store: 'berlin-1',
        aisle: '7',
      },
    },
  });
  proxy = await startSilentProxy(new URL(env.kube.server));
  const kubeconfig = writeKubeconfigVia(
    env.kube.kubeconfig,
    proxy.url,
    join(env.workDir, `bridge-routing-${process.pid}.kubeconfig`),
  );
  app = await startBridgeApp(
    BridgeConfigSchema.parse({
      listen: { port: 0 },
      webhook: { secret },
      kube: { namespace, kubeconfig, statusIntervalMs: 300 },
      logLevel: 'silent',
    }),
    { log: silent },
  );
});

afterAll(async () => {
  await app?.close(2000);
  await proxy?.close();
});

describe('bridge routing from ShelfFleet and MetricSink', () => {
  it('writes a fleet’s devices to its MetricSink with the fleet’s tags and placement', async () => {
    const t = Date.now() - 2000;
    expect(
      await put([
        productNote('kr-1', 'oat-milk'),
        countNote('kr-1', 24, { timestamp: t }),
        countNote('kr-1', 22, { timestamp: t + 1 }),
      ]),
    ).toBe(204);
    // A device no fleet selects is skipped.
    expect(await put([countNote('other-1', 3)])).toBe(204);
    const rows = await influxql(
      env.influx.url,
      `SELECT "items", "fleet", "namespace", "store", "aisle", "position", "product_id" FROM shelf_event`,
      db,
    );
    expect(rows.map((r) => r.slice(1))).toEqual([
      [2, 'aisle-7', namespace, 'berlin-1', '7', 'end-cap', 'oat-milk'],
    ]);
    expect(
      await influxql(env.influx.url, `SELECT * FROM product_count WHERE device_id = 'other-1'`, db),
    ).toEqual([]);
  });

  it('reports points written into the MetricSink status, and reads its credentials Secret', async () => {
    await eventually(async () => {
      const sink = await client.get<MetricSink & KubeObject>(
        resourcePath(resources.metricSinks, namespace, 'main'),
      );
      // Two counts and one pick-up of kr-1 so far (other-1 is routed nowhere), and the
      // fleet's placement history: oat-milk at the end cap, written when the bridge started.
      return sink.status?.pointsWritten === 4 && sink.status.pointsDropped === 0;
    }, 10_000);
    await client.request('POST', resourcePath(resources.secrets, namespace), {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'influx-writer', labels: { [allowReferenceLabel]: 'true' } },
        stringData: { username: 'writer', password: 'not-a-default' },
      },
    });
    await client.mergePatch(resourcePath(resources.metricSinks, namespace, 'main'), {
      spec: { credentialsSecretRef: { name: 'influx-writer' } },
    });
    await eventually(async () => {
      const writer = app.bridge.sinks.get(`${namespace}.main`);
      return writer?.config.username === 'writer' && writer.config.password === 'not-a-default';
    }, 10_000);
  });

  it('records its status writes under its own field manager, not the operator’s', async () => {
    const sink = await client.get<MetricSink & KubeObject>(
      resourcePath(resources.metricSinks, namespace, 'main'),
    );
    const entries = managedFields(sink);
    const bridgeEntry = entries.find((e) => e.manager === fieldManager && e.subresource === 'status');
    expect(bridgeEntry?.operation).toBe('Update');
    expect(bridgeEntry?.fieldsV1).toMatchObject({
      'f:status': { 'f:pointsWritten': {}, 'f:pointsDropped': {} },
    });
    expect(entries.map((e) => e.manager)).not.toContain('shelfpulse-operator');
  });

  it('follows a change of the ShelfFleet without a restart', async () => {
    await client.mergePatch(resourcePath(resources.shelfFleets, namespace, 'aisle-7'), {
      spec: { store: 'hamburg-2' },
    });
    await eventually(async () => {
      const t = Date.now();
      await put([countNote('kr-1', 21, { timestamp: t }), countNote('kr-1', 22, { timestamp: t + 1 })]);
      const rows = await influxql(
        env.influx.url,
        `SELECT "items" FROM shelf_event WHERE "store" = 'hamburg-2'`,
        db,
      );
      return rows.length > 0;
    }, 15_000);
  });

  it('records a move in the ShelfFleet as placement history, and tags later events with the new position', async () => {
    await client.mergePatch(resourcePath(resources.shelfFleets, namespace, 'aisle-7'), {
      spec: { placements: [{ productId: 'oat-milk', position: 'low', capacity: 24, restockThreshold: 6 }] },
    });
    // The last placement point per position: left the end cap, placed low.
    await eventually(async () => {
      const series = await influxqlSeries(
        env.influx.url,
        `SELECT last("placed") FROM "placement" WHERE "product_id" = 'oat-milk' AND "fleet" = 'aisle-7' GROUP BY "position"`,
        db,
      );
      const placed = Object.fromEntries(series.map((x) => [x.tags['position'], x.values[0]?.[1]]));
      return placed['end-cap'] === false && placed['low'] === true;
    }, 15_000);
    const t = Date.now();
    expect(
      await put([countNote('kr-1', 20, { timestamp: t }), countNote('kr-1', 19, { timestamp: t + 1 })]),
    ).toBe(204);
    await eventually(async () => {
      const rows = await influxql(
        env.influx.url,
        `SELECT "items" FROM shelf_event WHERE "position" = 'low' AND "product_id" = 'oat-milk'`,
        db,
      );
      return rows.length > 0;
    }, 15_000);
  });

  it('counts its watches’ restarts on its own /metrics, and follows a change made after they were cut', async () => {
    const restarts = (resource: string) =>
      scrapeMetric(app.url, 'shelfpulse_bridge_watch_restarts_total', { resource });
    const before = { fleets: await restarts('shelffleets'), sinks: await restarts('metricsinks') };
    proxy.cut();
    await eventually(
      async () =>
        (await restarts('shelffleets')) > before.fleets && (await restarts('metricsinks')) > before.sinks,
      15_000,
    );
    // The bridge's /metrics is the bridge's: none of the operator's series.
    expect(await (await fetch(`${app.url}/metrics`)).text()).not.toContain('shelfpulse_operator_');

    await client.mergePatch(resourcePath(resources.shelfFleets, namespace, 'aisle-7'), {
      spec: { aisle: '8' },
    });
    await eventually(async () => app.routing?.routes().some((r) => r.aisle === '8') ?? false, 15_000);
  });
});
