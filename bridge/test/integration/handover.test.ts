// Long poll across a leadership change: two bridge replicas share one Lease
// and one API key; the holder stops mid-run, the other takes over, and every
// interaction the shelves made arrives once (the channel is never deleted,
// so what the cloud queued during the handover is pulled by the new holder).
import { pino } from 'pino';
import { startDeviceCloud } from '@shelfpulse/simulator/cloud/device-cloud';
import { deviceIdFor } from '@shelfpulse/simulator/cloud/device-registry';
import { observedRun } from '@shelfpulse/simulator/shelf/observed-run';
import { createNamespace, loadKubeConfig } from '@shelfpulse/testenv';
import { describe, expect, inject, it } from 'vitest';
import { SimulatorConfigSchema } from '@shelfpulse/core/api/simulator-config';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import { createDatabase, eventually, influxqlSeries, silent } from './helpers.ts';
import { score, type ScoredEvent } from './score.ts';

const env = inject('testenv');
const apiKey = 'handover-bridge-api-key-01';
const placements = [
  { productId: 'oat-milk', position: 'eye-level' as const, capacity: 12, restockThreshold: 4 },
];

describe('long poll across a leadership change', () => {
  it('loses and duplicates nothing when the lease holder stops mid-run', async () => {
    const db = `bridge_handover_${Math.random().toString(36).slice(2, 8)}`;
    await createDatabase(env.influx.url, db);
    const namespace = await createNamespace(loadKubeConfig(env.kube.kubeconfig), 'bridge-handover');
    const cloud = await startDeviceCloud(
      { apiKeys: [apiKey], longPoll: { timeoutMs: 1000 }, logLevel: 'silent' },
      { logger: silent },
    );
    await new MbedSdkDeviceCloud({ apiUrl: cloud.url, apiKey }).updatePresubscriptions([
      { endpointName: 'ho-*', resourcePaths: ['/10341/0/26341', '/10341/0/26342'] },
    ]);
    const replica = (identity: string): Promise<BridgeApp> =>
      startBridgeApp(
        BridgeConfigSchema.parse({
          mode: 'long-poll',
          listen: { port: 0 },
          cloud: { apiUrl: cloud.url, apiKey },
          kube: { kubeconfig: env.kube.kubeconfig, namespace, routing: false },
          leaderElection: {
            namespace,
            identity,
            leaseDurationMs: 2000,
            renewDeadlineMs: 1500,
            retryPeriodMs: 300,
            handoverMs: 300,
          },
          sinks: [{ name: 'main', url: env.influx.url, database: db, flushIntervalMs: 100 }],
          fleets: [{ fleet: 'ho', devicePrefix: 'ho-', sinks: ['main'], placements }],
          logLevel: 'silent',
        }),
        { log: pino({ level: 'silent' }) },
      );
    const a = await replica('a');
    await eventually(async () => (await (await fetch(`${a.url}/readyz`)).text()) === 'ready\n', 10_000);
    const b = await replica('b');
    const config = SimulatorConfigSchema.parse({
      fleet: 'ho',
      endpointPrefix: 'ho-',
      server: cloud.coap,
      shelvesPerReplica: 8,
      placements,
      behaviour: { shoppersPerHour: 600, dailyProfile: Array(24).fill(1), handleProbability: 0.5 },
      speedup: 40,
      seed: 4,
    });
    const { runner, observed, truth } = observedRun(config, {
      bindAddress: '127.0.0.1',
      log: silent,
    });
    try {
      await runner.start();
      await expect.poll(() => observed.size, { timeout: 20_000 }).toBe(8);
      await new Promise((r) => setTimeout(r, 4000));
      const beforeHandover = truth.length;
      await a.close(3000);
      await eventually(async () => (await (await fetch(`${b.url}/readyz`)).text()) === 'ready\n', 15_000);
      await new Promise((r) => setTimeout(r, 4000));
      runner.stopShoppers();
      expect(beforeHandover).toBeGreaterThan(10);
      expect(truth.length - beforeHandover).toBeGreaterThan(10);

      const expected: ScoredEvent[] = truth.map((r) => ({
        device: deviceIdFor(r.endpoint),
        kind: r.kind,
        items: r.items,
        timeMs: Date.parse(r.wallTime ?? r.time),
      }));
      let derived: ScoredEvent[] = [];
      await eventually(async () => {
        const rows = await influxqlSeries(
          env.influx.url,
          'SELECT "items", "kind" FROM shelf_event GROUP BY "device_id"',
          db,
        );
        derived = rows.flatMap((s) =>
          s.values.map((v) => ({
            device: s.tags['device_id'] ?? '',
            kind: String(v[2]),
            items: Number(v[1]),
            timeMs: Number(v[0]) / 1000,
          })),
        );
        return derived.length >= expected.length;
      }, 20_000).catch(() => undefined);
      // The handover takes seconds: events queued at the cloud meanwhile arrive late, hence the wide window.
      const scores = score(expected, derived, 15_000);
      console.log(`[bridge handover] ${truth.length} true events; scores ${JSON.stringify(scores)}`);
      expect(derived.length).toBe(expected.length);
      for (const kind of ['pickup', 'putback']) {
        expect(scores[kind]?.precision, kind).toBe(1);
        expect(scores[kind]?.recall, kind).toBe(1);
      }
    } finally {
      await runner.stop({ timeoutMs: 1000 });
      await a.close(1000);
      await b.close(2000);
      await Promise.race([cloud.close(), new Promise((r) => setTimeout(r, 2000))]);
    }
  });
});
