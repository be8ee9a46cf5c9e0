// Product ids the bridge has to ask for: only the count is subscribed, so the
// bridge reads /10341/0/26341 through mbed-cloud-sdk (an async request whose
// answer comes back on the webhook) and tags the shelf's points with it, its
// first counts included (they wait for the answer, see product-hold.ts).
import { pino } from 'pino';
import { startDeviceCloud } from '@shelfpulse/simulator/cloud/device-cloud';
import { ShelfSimRunner } from '@shelfpulse/simulator/shelf/shelf-sim-runner';
import { freePort } from '@shelfpulse/testenv';
import { describe, expect, inject, it } from 'vitest';
import { SimulatorConfigSchema } from '@shelfpulse/core/api/simulator-config';
import { startBridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import { createDatabase, eventually, influxqlSeries, silent } from './helpers.ts';

const env = inject('testenv');
const apiKey = 'product-read-api-key-0001';
const placements = [
  { productId: 'soap-500g', position: 'waist' as const, capacity: 12, restockThreshold: 4 },
  { productId: 'rice-1kg', position: 'low' as const, capacity: 10, restockThreshold: 3 },
];

describe('product id read through the device cloud', () => {
  it('reads the product id of a shelf that only notifies its count', async () => {
    const db = 'bridge_product_read';
    await createDatabase(env.influx.url, db);
    const cloud = await startDeviceCloud({ apiKeys: [apiKey], logLevel: 'silent' }, { logger: silent });
    await new MbedSdkDeviceCloud({ apiUrl: cloud.url, apiKey }).updatePresubscriptions([
      { endpointName: 'pr-*', resourcePaths: ['/10341/0/26342'] },
    ]);
    const port = await freePort();
    const app = await startBridgeApp(
      BridgeConfigSchema.parse({
        listen: { port },
        webhook: { secret: 'product-read-secret-0001', publicUrl: `http://127.0.0.1:${port}/notify` },
        cloud: { apiUrl: cloud.url, apiKey },
        sinks: [{ name: 'main', url: env.influx.url, database: db, flushIntervalMs: 100 }],
        fleets: [{ fleet: 'pr', devicePrefix: 'pr-', sinks: ['main'], placements }],
        logLevel: 'silent',
      }),
      { log: pino({ level: 'silent' }) },
    );
    const runner = new ShelfSimRunner(
      SimulatorConfigSchema.parse({
        fleet: 'pr',
        endpointPrefix: 'pr-',
        server: cloud.coap,
        shelvesPerReplica: 2,
        placements,
        behaviour: { shoppersPerHour: 600, dailyProfile: Array(24).fill(1), handleProbability: 0.6 },
        speedup: 40,
        seed: 5,
      }),
      { bindAddress: '127.0.0.1', log: silent },
    );
    try {
      await runner.start();
      // Shelf i holds placements[i]: each device's later points carry its product and position.
      await eventually(async () => {
        const series = await influxqlSeries(
          env.influx.url,
          `SELECT count("count") FROM product_count WHERE "product_id" != '' GROUP BY "device_id", "product_id", "position"`,
          db,
        );
        return series.length === 2;
      }, 30_000);
      const series = await influxqlSeries(
        env.influx.url,
        `SELECT count("count") FROM product_count WHERE "product_id" != '' GROUP BY "product_id", "position"`,
        db,
      );
      expect(series.map((s) => [s.tags['product_id'], s.tags['position']]).sort()).toEqual([
        ['rice-1kg', 'low'],
        ['soap-500g', 'waist'],
      ]);
      // Every point, the first counts of each shelf included, carries its product: none
      // forms an unnamed series in the tutorial's query (GROUP BY "product_id").
      const tutorial = await influxqlSeries(
        env.influx.url,
        `SELECT count("count") FROM product_count GROUP BY "product_id"`,
        db,
      );
      expect(tutorial.map((s) => s.tags['product_id']).sort()).toEqual(['rice-1kg', 'soap-500g']);
      const events = await influxqlSeries(
        env.influx.url,
        `SELECT count("items") FROM shelf_event GROUP BY "product_id"`,
        db,
      );
      expect(events.every((s) => s.tags['product_id'] !== '')).toBe(true);
    } finally {
      await runner.stop({ timeoutMs: 1000 });
      await app.close(2000);
      await Promise.race([cloud.close(), new Promise((r) => setTimeout(r, 2000))]);
    }
  });
});
