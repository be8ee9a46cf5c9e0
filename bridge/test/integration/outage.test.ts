// InfluxDB stopped for 30 s under load and started again: every point
// arrives, counted exactly against what the shelves did.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startInfluxd } from '@shelfpulse/testenv';
import { describe, expect, inject, it } from 'vitest';
import { startBridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { assertExact, createDatabase, eventually, metricValue, route, silent } from './helpers.ts';
import { deliver, ShelfLoad } from './shelf-load.ts';

const env = inject('testenv');
const secret = 'outage-test-secret-0123456789';

describe('bridge during an InfluxDB outage', () => {
  it('loses nothing when InfluxDB is down for 30 s under load', async () => {
    const dir = mkdtempSync(join(env.workDir, 'bridge-outage-'));
    const influx = await startInfluxd(dir);
    await createDatabase(influx.url, 'outage');
    const app = await startBridgeApp(
      BridgeConfigSchema.parse({
        listen: { port: 0 },
        webhook: { secret },
        sinks: [{ name: 'main', url: influx.url, database: 'outage', timeoutMs: 2000, retryMaxMs: 2000 }],
        fleets: [route({ placements: [] })],
        spool: { dir: join(dir, 'spool') },
        logLevel: 'silent',
      }),
      { log: silent },
    );
    const load = new ShelfLoad(40);
    const hook = `${app.url}/notify`;
    try {
      await deliver(hook, secret, { notifications: load.baseline() });
      const started = Date.now();
      let stoppedAt = 0;
      let restartedAt = 0;
      // ~400 notifications/s for 40 s; InfluxDB is down from 3 s to 33 s.
      while (Date.now() - started < 40_000) {
        const elapsed = Date.now() - started;
        if (!stoppedAt && elapsed > 3_000) {
          await influx.stop();
          stoppedAt = Date.now();
        }
        if (stoppedAt && !restartedAt && Date.now() - stoppedAt >= 30_000) {
          await influx.start();
          restartedAt = Date.now();
        }
        await deliver(hook, secret, { notifications: load.batch(20) });
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(restartedAt).toBeGreaterThan(0);
      expect(load.truth.counts).toBeGreaterThan(5_000);
      await eventually(async () => app.bridge.pending === 0, 60_000);
      expect(await metricValue(app.metrics, 'shelfpulse_bridge_write_retries_total')).toBeGreaterThan(0);
      expect(await metricValue(app.metrics, 'shelfpulse_bridge_points_dropped_total')).toBe(0);
      await assertExact(influx.url, 'outage', load.truth);
    } finally {
      await app.close(5000);
      await influx.stop();
    }
  });
});
