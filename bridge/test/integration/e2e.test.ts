// End to end: simulated shelves (LwM2M) → device-cloud emulator → webhook →
// bridge → InfluxDB. The derived interactions are scored against the
// simulator's ground truth, and the tutorial's query runs unchanged.
import { pino } from 'pino';
import { startDeviceCloud } from '@shelfpulse/simulator/cloud/device-cloud';
import { deviceIdFor } from '@shelfpulse/simulator/cloud/device-registry';
import { observedRun } from '@shelfpulse/simulator/shelf/observed-run';
import { SimulatorConfigSchema } from '@shelfpulse/core/api/simulator-config';
import { freePort } from '@shelfpulse/testenv';
import { describe, expect, inject, it } from 'vitest';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import { startBridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { createDatabase, eventually, influxql, influxqlSeries, metricValue, silent } from './helpers.ts';
import { score, type ScoredEvent } from './score.ts';

const env = inject('testenv');
const apiKey = 'e2e-bridge-api-key-0001';
const secret = 'e2e-bridge-webhook-secret-0001';
const placements = [
  { productId: 'oat-milk', position: 'eye-level' as const, capacity: 12, restockThreshold: 4 },
  { productId: 'rice-1kg', position: 'low' as const, capacity: 10, restockThreshold: 3 },
];

describe('bridge end to end', () => {
  it.each([
    { mode: 'webhook' as const, runMs: 20_000 },
    { mode: 'long-poll' as const, runMs: 8_000 },
  ])(
    '$mode: derives what the shoppers did, per kind, with at least 99% precision and recall',
    async ({ mode, runMs }) => {
      const db = `bridge_e2e_${mode.replace('-', '_')}`;
      const prefix = `e2e-${mode}-`;
      await createDatabase(env.influx.url, db);
      const cloud = await startDeviceCloud(
        { apiKeys: [apiKey], longPoll: { timeoutMs: 1000 }, logLevel: 'silent' },
        { logger: silent },
      );
      const sdk = new MbedSdkDeviceCloud({ apiUrl: cloud.url, apiKey });
      await sdk.updatePresubscriptions([
        { endpointName: `${prefix}*`, resourcePaths: ['/10341/0/26341', '/10341/0/26342'] },
      ]);
      const port = await freePort();
      const app = await startBridgeApp(
        BridgeConfigSchema.parse({
          mode,
          listen: { port },
          webhook: mode === 'webhook' ? { secret, publicUrl: `http://127.0.0.1:${port}/notify` } : {},
          cloud: { apiUrl: cloud.url, apiKey },
          sinks: [{ name: 'main', url: env.influx.url, database: db }],
          fleets: [
            {
              fleet: 'e2e',
              namespace: 'shop',
              store: 'berlin-1',
              aisle: '3',
              devicePrefix: prefix,
              sinks: ['main'],
              placements,
            },
          ],
          logLevel: 'silent',
        }),
        { log: pino({ level: 'silent' }) },
      );
      const config = SimulatorConfigSchema.parse({
        fleet: 'e2e',
        namespace: 'shop',
        endpointPrefix: prefix,
        server: cloud.coap,
        shelvesPerReplica: 12,
        placements,
        behaviour: {
          shoppersPerHour: 600,
          dailyProfile: Array(24).fill(1),
          handleProbability: 0.5,
          restockDelaySecondsMean: 30,
        },
        speedup: 20,
        seed: 6,
      });
      // Only changes after the cloud started observing the count are notified.
      const { runner, observed, truth } = observedRun(config, { bindAddress: '127.0.0.1', log: silent });
      try {
        await runner.start();
        await expect.poll(() => observed.size, { timeout: 20_000 }).toBe(12);
        await new Promise((r) => setTimeout(r, runMs));
        runner.stopShoppers();
        const stats = runner.stats();
        expect(stats.droppedNotifications).toBe(0);
        // Every count change the shelves sent has arrived.
        await eventually(
          async () =>
            (await metricValue(app.metrics, 'shelfpulse_bridge_notifications_total', {
              result: 'changed',
            })) >= truth.length,
          20_000,
        );
        await eventually(async () => app.bridge.pending === 0);

        const rows = await influxqlSeries(
          env.influx.url,
          'SELECT "items", "kind" FROM shelf_event GROUP BY "device_id"',
          db,
        );
        const derived: ScoredEvent[] = rows.flatMap((s) =>
          s.values.map((v) => ({
            device: s.tags['device_id'] ?? '',
            kind: String(v[2]),
            items: Number(v[1]),
            timeMs: Number(v[0]) / 1000,
          })),
        );
        const expected: ScoredEvent[] = truth.map((r) => ({
          device: deviceIdFor(r.endpoint),
          kind: r.kind,
          items: r.items,
          timeMs: Date.parse(r.wallTime ?? r.time),
        }));
        const scores = score(expected, derived, 5_000);
        console.log(`[bridge e2e ${mode}] ${truth.length} true events; scores ${JSON.stringify(scores)}`);
        for (const kind of ['pickup', 'putback', 'restock']) {
          expect(scores[kind]?.truth, kind).toBeGreaterThan(0);
          expect(scores[kind]?.precision, kind).toBeGreaterThanOrEqual(0.99);
          expect(scores[kind]?.recall, kind).toBeGreaterThanOrEqual(0.99);
        }

        // Per product, InfluxQL returns what the shoppers did.
        for (const { productId } of placements) {
          const want = truth.filter((r) => r.productId === productId && r.kind === 'pickup');
          const got = await influxql(
            env.influx.url,
            `SELECT count("items"), sum("items") FROM shelf_event WHERE "kind" = 'pickup' AND "product_id" = '${productId}'`,
            db,
          );
          expect([got[0]?.[1], got[0]?.[2]]).toEqual([want.length, want.reduce((n, r) => n + r.items, 0)]);
        }
        // The original tutorial's Grafana query, unchanged ($timeFilter filled in as Grafana does).
        const tutorial = await influxqlSeries(
          env.influx.url,
          `SELECT non_negative_difference(count("count")) FROM product_count WHERE time > now() - 5m GROUP BY time(1s), "product_id" fill(previous)`,
          db,
        );
        expect(tutorial.map((s) => s.tags['product_id']).sort()).toEqual(['oat-milk', 'rice-1kg']);
      } finally {
        await runner.stop({ timeoutMs: 1000 });
        await app.close(2000);
        await Promise.race([cloud.close(), new Promise((r) => setTimeout(r, 2000))]);
      }
    },
  );
});
