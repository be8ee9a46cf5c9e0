// Two bridge replicas, one Lease: only the holder is Ready and takes
// notifications (the other answers 503, so the cloud's retry lands on the
// holder); when the holder stops, the other takes over and continues every
// device from the counts the first one wrote.
import { createNamespace, loadKubeConfig } from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '@shelfpulse/core/kube/client';
import { fromKubeconfig } from '@shelfpulse/core/kube/connection';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { bridgeUserAgent, fieldManager } from '../../src/field-manager.ts';
import {
  countNote,
  createDatabase,
  eventually,
  influxql,
  managedFields,
  productNote,
  route,
  silent,
} from './helpers.ts';

const env = inject('testenv');
const secret = 'leader-test-secret-0123456789';
const db = `bl_${Math.random().toString(36).slice(2, 8)}`;
let namespace: string;
const apps: BridgeApp[] = [];

async function replica(identity: string): Promise<BridgeApp> {
  const app = await startBridgeApp(
    BridgeConfigSchema.parse({
      listen: { port: 0 },
      webhook: { secret },
      kube: { kubeconfig: env.kube.kubeconfig, namespace, routing: false },
      // Static routing here; the Lease is what is under test.
      sinks: [{ name: 'main', url: env.influx.url, database: db, flushIntervalMs: 50 }],
      fleets: [route({ placements: [] })],
      leaderElection: {
        namespace,
        identity,
        leaseDurationMs: 2000,
        renewDeadlineMs: 1500,
        retryPeriodMs: 300,
        handoverMs: 300,
      },
      logLevel: 'silent',
    }),
    { log: silent },
  );
  apps.push(app);
  return app;
}

/** Taking notifications: Ready and not a standby. */
const ready = async (app: BridgeApp): Promise<boolean> =>
  (await (await fetch(`${app.url}/readyz`)).text()) === 'ready\n';
const put = async (app: BridgeApp, notifications: object[]): Promise<number> =>
  (
    await fetch(`${app.url}/notify`, {
      method: 'PUT',
      headers: { 'x-shelfpulse-secret': secret },
      body: JSON.stringify({ notifications }),
    })
  ).status;

beforeAll(async () => {
  namespace = await createNamespace(loadKubeConfig(env.kube.kubeconfig), 'bridge-leader');
  await createDatabase(env.influx.url, db);
});

afterAll(async () => {
  for (const app of apps) await app.close(1000);
});

describe('bridge replicas with a Lease', () => {
  it('lets exactly one replica take notifications, and hands over when it stops', async () => {
    const a = await replica('replica-a');
    await eventually(() => ready(a), 10_000);
    const b = await replica('replica-b');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await ready(a)).toBe(true);
    expect(await ready(b)).toBe(false);
    expect(await put(b, [countNote('shelf-1', 20)])).toBe(503);
    expect(await put(a, [productNote('shelf-1', 'oat-milk'), countNote('shelf-1', 20)])).toBe(204);
    expect(await put(a, [countNote('shelf-1', 18)])).toBe(204);

    await a.close(2000);
    await eventually(() => ready(b), 15_000);
    // b continues shelf-1 from 18 (read from InfluxDB): 18 → 17 is one pick-up.
    expect(await put(b, [countNote('shelf-1', 17)])).toBe(204);
    const events = await influxql(
      env.influx.url,
      `SELECT "items", "kind" FROM shelf_event WHERE device_id = 'shelf-1'`,
      db,
    );
    expect(events.map((r) => r.slice(1))).toEqual([
      [2, 'pickup'],
      [1, 'pickup'],
    ]);
  });

  it('writes the Lease as the bridge: its user agent, not the operator’s', async () => {
    expect(bridgeUserAgent).toMatch(/^shelfpulse-bridge\/\d+\.\d+\.\d+/);
    const client = new KubeClient(fromKubeconfig(env.kube.kubeconfig));
    const lease = await client.get(resourcePath(resources.leases, namespace, 'shelfpulse-bridge'));
    // Writes that name no field manager are recorded under the user agent's name.
    expect(new Set(managedFields(lease).map((e) => e.manager))).toEqual(new Set([fieldManager]));
  });
});
