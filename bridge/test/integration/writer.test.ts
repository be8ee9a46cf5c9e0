// The writer against the real InfluxDB: both APIs, the tutorial's query,
// isolation of rejected points, retries through 503/429/timeouts.
import { mkdtempSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { createTarget } from '../../src/influx-target.ts';
import { describe, expect, inject, it } from 'vitest';
import {
  countNote,
  createDatabase,
  eventually,
  influxql,
  influxqlSeries,
  makeBridge,
  metricValue,
  productNote,
  sink,
} from './helpers.ts';

const env = inject('testenv');
const url = env.influx.url;

/** Passes a request on to the real InfluxDB, and its answer back (for the faulty fronts below). */
function toInflux(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
  const target = new URL(url);
  const forward = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  if (body) forward.end(body);
  else req.pipe(forward);
}

describe('bridge writer', () => {
  it('writes through /write (1.x) and /api/v2/write (client), and the tutorial query works unchanged', async () => {
    await createDatabase(url, 'bw_v1');
    await createDatabase(url, 'bw_v2');
    const { bridge: both } = makeBridge({
      sinks: [
        sink({ url, database: 'bw_v1' }),
        sink({ name: 'second', url, flavour: 'v2', bucket: 'bw_v2/autogen' }),
      ],
      router: { route: () => ({ ...routeBoth }) },
    });
    const base = Date.now() - 10_000;
    const result = await both.ingest({
      notifications: [
        productNote('shelf-1', 'oat-milk'),
        countNote('shelf-1', 24, { timestamp: base }),
        countNote('shelf-1', 21, { timestamp: base + 1000 }),
        countNote('shelf-1', 22, { timestamp: base + 2000 }),
        countNote('shelf-1', 3, { timestamp: base + 3000 }),
        countNote('shelf-1', 24, { timestamp: base + 4000 }),
      ],
    });
    // Without a spool, "accepted" means written.
    expect(result).toBe('accepted');
    for (const db of ['bw_v1', 'bw_v2']) {
      const events = await influxql(
        url,
        'SELECT "kind", "items", "product_id", "position" FROM shelf_event ORDER BY time',
        db,
      );
      expect(events.map((r) => r.slice(1))).toEqual([
        ['pickup', 3, 'oat-milk', 'eye-level'],
        ['putback', 1, 'oat-milk', 'eye-level'],
        ['pickup', 19, 'oat-milk', 'eye-level'],
        ['restock', 21, 'oat-milk', 'eye-level'],
      ]);
      const tutorial = await influxqlSeries(
        url,
        `SELECT non_negative_difference(count("count")) FROM product_count WHERE time > now() - 1h GROUP BY time(1s), "product_id" fill(previous)`,
        db,
      );
      expect(tutorial.map((s) => s.tags['product_id'])).toEqual(['oat-milk']);
      const counts = await influxql(url, 'SELECT count("count") FROM product_count', db);
      expect(counts[0]?.[1]).toBe(5);
    }
    await both.close(1000);
  });

  it('drops only the points InfluxDB rejects (field type conflict) and writes the rest', async () => {
    await createDatabase(url, 'bw_conflict');
    // Someone wrote shelf_event.items as a float first: every event of ours conflicts.
    // (Field types are per shard: the float goes in the same week as our points.)
    await fetch(`${url}/write?db=bw_conflict&precision=ms`, {
      method: 'POST',
      body: `shelf_event,kind=pickup items=1.5 ${Date.now() - 60_000}`,
    });
    const { bridge, metrics } = makeBridge({ sinks: [sink({ url, database: 'bw_conflict' })] });
    const base = Date.now() - 5_000;
    const result = await bridge.ingest({
      notifications: [10, 9, 8, 7].map((c, i) => countNote('shelf-2', c, { timestamp: base + i })),
    });
    expect(result).toBe('accepted');
    const counts = await influxql(url, 'SELECT "count" FROM product_count', 'bw_conflict');
    expect(counts.map((r) => r[1])).toEqual([10, 9, 8, 7]);
    expect(await metricValue(metrics, 'shelfpulse_bridge_points_dropped_total', { reason: 'rejected' })).toBe(
      3,
    );
    expect(await metricValue(metrics, 'shelfpulse_bridge_points_written_total')).toBe(4);
    await bridge.close(1000);
  });

  it('retries through 503 with Retry-After, 429 and a timeout, and loses nothing', async () => {
    await createDatabase(url, 'bw_retry');
    // A faulty front for the real InfluxDB: the first requests fail in three ways.
    const faults = ['503', '429', 'hang'];
    const proxy: Server = createServer((req, res) => {
      const fault = faults.shift();
      if (fault === 'hang') return; // never answers: the writer's timeout must fire
      if (fault) {
        req.resume();
        res.writeHead(Number(fault), fault === '503' ? { 'retry-after': '0' } : {});
        res.end('{"error":"injected"}');
        return;
      }
      toInflux(req, res);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const { bridge, metrics } = makeBridge({
      sinks: [sink({ url: proxyUrl, database: 'bw_retry', timeoutMs: 300 })],
    });
    const base = Date.now() - 5_000;
    const result = await bridge.ingest({
      notifications: [5, 4, 3].map((c, i) => countNote('shelf-3', c, { timestamp: base + i })),
    });
    expect(result).toBe('accepted');
    expect(await influxql(url, 'SELECT "count" FROM product_count', 'bw_retry')).toHaveLength(3);
    expect(await metricValue(metrics, 'shelfpulse_bridge_write_retries_total', { status: '503' })).toBe(1);
    expect(await metricValue(metrics, 'shelfpulse_bridge_write_retries_total', { status: '429' })).toBe(1);
    expect(await metricValue(metrics, 'shelfpulse_bridge_write_retries_total', { status: '0' })).toBe(1);
    expect(await metricValue(metrics, 'shelfpulse_bridge_points_dropped_total')).toBe(0);
    await bridge.close(1000);
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('halves a batch a server rejects whole (400) until only the bad points are dropped', async () => {
    await createDatabase(url, 'bw_bisect');
    // A front for the real InfluxDB that, unlike InfluxDB 1.x, rejects a whole batch
    // when one point is bad (here: any point of device shelf-bad).
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const text =
          req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString() : body.toString();
        if (text.includes('device_id=shelf-bad')) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end('{"error":"unable to accept the batch"}');
          return;
        }
        toInflux(req, res, body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const { bridge, metrics } = makeBridge({ sinks: [sink({ url: proxyUrl, database: 'bw_bisect' })] });
    const base = Date.now() - 5_000;
    const notifications = [];
    for (let i = 0; i < 8; i++) {
      notifications.push(countNote(`shelf-${i}`, 10, { timestamp: base + i * 10 }));
      notifications.push(countNote(`shelf-${i}`, 9, { timestamp: base + i * 10 + 1 }));
    }
    notifications.push(
      countNote('shelf-bad', 5, { timestamp: base + 100 }),
      countNote('shelf-bad', 4, { timestamp: base + 101 }),
    );
    expect(await bridge.ingest({ notifications })).toBe('accepted');
    // 8 devices × (2 counts + 1 pick-up) written; shelf-bad's 2 counts and 1 pick-up dropped.
    expect(await influxql(url, 'SELECT count("count") FROM product_count', 'bw_bisect')).toEqual([[0, 16]]);
    expect(await influxql(url, 'SELECT count("items") FROM shelf_event', 'bw_bisect')).toEqual([[0, 8]]);
    expect(await metricValue(metrics, 'shelfpulse_bridge_points_dropped_total', { reason: 'rejected' })).toBe(
      3,
    );
    expect(await metricValue(metrics, 'shelfpulse_bridge_points_written_total')).toBe(24);
    await bridge.close(1000);
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('batches by size and by interval when nobody waits (spool acknowledged)', async () => {
    await createDatabase(url, 'bw_batch');
    const { bridge, metrics } = makeBridge({
      sinks: [sink({ url, database: 'bw_batch', batchSize: 1000, flushIntervalMs: 1500 })],
      spoolDir: mkdtempSync(join(env.workDir, 'bw-batch-')),
    });
    const base = Date.now() - 60_000;
    const notifications = Array.from({ length: 1000 }, (_, i) =>
      countNote(`shelf-${i % 50}`, 100 - Math.floor(i / 50), { timestamp: base + i }),
    );
    const requests = async (): Promise<number> =>
      (await metrics.registry.getMetricsAsJSON())
        .find((m) => m.name === 'shelfpulse_bridge_write_duration_seconds')
        ?.values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))
        .reduce((n, v) => n + v.value, 0) ?? 0;
    // With the spool, "accepted" means fsynced: the writer batches at its own pace.
    const started = Date.now();
    expect(await bridge.ingest({ notifications })).toBe('accepted');
    // 1000 counts + 950 pick-ups: one full batch at once…
    await eventually(
      async () => (await metricValue(metrics, 'shelfpulse_bridge_points_written_total')) === 1000,
      1000,
    );
    expect(await requests()).toBe(1);
    // …and the 950 left when the oldest of them has waited the flush interval.
    await eventually(
      async () => (await metricValue(metrics, 'shelfpulse_bridge_points_written_total')) === 1950,
      5000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(await requests()).toBe(2);
    await bridge.close(1000);
  });

  it('keeps `concurrency` writes in flight, and every point arrives', async () => {
    await createDatabase(url, 'bw_lanes');
    // The real target, watched: how many of its writes overlap.
    let inFlight = 0;
    let most = 0;
    const { bridge, metrics } = makeBridge({
      sinks: [sink({ url, database: 'bw_lanes', batchSize: 200, concurrency: 3 })],
      spoolDir: mkdtempSync(join(env.workDir, 'bw-lanes-')),
      targetFor: (config) => {
        const real = createTarget(config);
        return {
          write: async (lines) => {
            most = Math.max(most, ++inFlight);
            try {
              return await real.write(lines);
            } finally {
              inFlight--;
            }
          },
        };
      },
    });
    const base = Date.now() - 60_000;
    const notifications = Array.from({ length: 2000 }, (_, i) =>
      countNote(`shelf-${i}`, 10, { timestamp: base + i }),
    );
    expect(await bridge.ingest({ notifications })).toBe('accepted');
    await eventually(
      async () => (await metricValue(metrics, 'shelfpulse_bridge_points_written_total')) === 2000,
      10_000,
    );
    expect(most).toBe(3);
    expect(await influxql(url, 'SELECT count("count") FROM product_count', 'bw_lanes')).toEqual([[0, 2000]]);
    await bridge.close(1000);
  });

  it('holds a batch while the buffer is full and takes it once there is room, instead of refusing it', async () => {
    await createDatabase(url, 'bw_full');
    // InfluxDB answers only when the test lets it: the buffer stays full until then.
    const held: (() => void)[] = [];
    let open = false;
    const proxy: Server = createServer((req, res) => {
      const pass = (): void => toInflux(req, res);
      if (open) pass();
      else held.push(pass);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const full = (busyWaitMs: number) =>
      makeBridge({
        sinks: [sink({ url: proxyUrl, database: 'bw_full', maxBufferPoints: 100, batchSize: 100 })],
        spoolDir: mkdtempSync(join(env.workDir, 'bw-full-')),
        busyWaitMs,
      }).bridge;
    const batch = (from: number, n: number) => ({
      notifications: Array.from({ length: n }, (_, i) => countNote(`shelf-${from + i}`, 7)),
    });

    // Without a wait the second batch (room needed for 2 × 30 points) is refused at once.
    const impatient = full(0);
    expect(await impatient.ingest(batch(0, 50))).toBe('accepted');
    expect(await impatient.ingest(batch(50, 30))).toBe('busy');

    const patient = full(10_000);
    expect(await patient.ingest(batch(100, 50))).toBe('accepted');
    let second: string | undefined;
    const answered = patient.ingest(batch(150, 30)).then((r) => (second = r));
    await new Promise((r) => setTimeout(r, 300));
    expect(second).toBeUndefined();
    // InfluxDB answers: the first batch is written, and the waiting one goes in.
    for (;;) {
      const release = held.shift();
      if (release) release();
      else if (second !== undefined) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await answered;
    expect(second).toBe('accepted');
    open = true;
    for (const release of held.splice(0)) release();
    await eventually(async () => patient.pending === 0 && impatient.pending === 0, 5_000);
    expect(await influxql(url, 'SELECT count("count") FROM product_count', 'bw_full')).toEqual([[0, 130]]);
    await patient.close(2000);
    await impatient.close(100);
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });
});

const routeBoth = {
  fleet: 'aisle-7',
  namespace: 'shop',
  store: 'berlin-1',
  aisle: '7',
  devicePrefix: 'shelf-',
  sinks: ['main', 'second'],
  placements: [{ productId: 'oat-milk', position: 'eye-level' as const, capacity: 24, restockThreshold: 6 }],
};
