// Bridge benchmark (a script, not a test): run with
//   node bench/bridge.bench.ts [--notifications 300000] [--batch 20000,5000,500] [--rounds 3] [--parts throughput,latency,coalesce,sweep]
// 1. Throughput: the same notifications through the bridge (webhook, delivered
//    like the device cloud: one batch at a time, the next after a 2xx; Izuma
//    sends what accumulated meanwhile, up to 20 000 per batch) into a real
//    influxd, as a ratio to a line-protocol firehose writing the very same
//    points straight to /write in the same round.
// 2. Delay from a count change to the point being queryable, p50/p99, default settings.
// 4. coalesce: where derivation degrades: the simulator's shopper model
//    read at a minimum notification interval (LwM2M pmin), so that changes
//    coalesce, through the bridge's Deriver; precision/recall per kind.
// 3. sweep (not by default, ~2 min): precision/recall of derived events against the simulator's
//    ground truth at rising shopper rates (device-cloud emulator in the loop).
import { spawn } from 'node:child_process';
import { Agent, globalAgent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { startDeviceCloud } from '../simulator/src/cloud/device-cloud.ts';
import { deviceIdFor } from '../simulator/src/cloud/device-registry.ts';
import { observedRun } from '../simulator/src/shelf/observed-run.ts';
import { freePort, influxqlRows, startInfluxd } from '../testenv/src/index.ts';
import { SimulatorConfigSchema } from '../core/src/api/simulator-config.ts';
import { BehaviourSchema } from '../core/src/api/behaviour.ts';
import type { Placement } from '../core/src/api/placement.ts';
import { Deriver } from '../bridge/src/derive.ts';
import { ShelfModel } from '../simulator/src/shelf/shelf-model.ts';
import { MbedSdkDeviceCloud } from '../core/src/device-cloud/mbed-sdk-device-cloud.ts';
import { score, type ScoredEvent } from '../bridge/test/integration/score.ts';
import { startBridgeApp, type BridgeApp } from '../bridge/src/app.ts';
import { BridgeConfigSchema, type BridgeConfigInput } from '../bridge/src/config.ts';
import { DeviceDirectory } from '../bridge/src/devices.ts';
import { BridgeMetrics } from '../bridge/src/metrics.ts';
import { StaticRouter, FleetRouteSchema } from '../bridge/src/routing.ts';
import { Translator } from '../bridge/src/translator.ts';
import { median } from './median.ts';

const { values: args } = parseArgs({
  options: {
    notifications: { type: 'string', default: '300000' },
    devices: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '20000,5000,500' },
    rounds: { type: 'string', default: '3' },
    parts: { type: 'string', default: 'throughput,latency,coalesce' },
  },
});
const total = Number(args.notifications);
const deviceCount = Number(args.devices);
const batchSizes = args.batch.split(',').map(Number);
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds ${args.rounds}: give a whole number ≥ 1`);
const secret = 'bench-secret-0123456789abcdef';
const silent = pino({ level: 'silent' });
const fleet = FleetRouteSchema.parse({
  fleet: 'bench',
  namespace: 'bench',
  store: 's1',
  aisle: '1',
  devicePrefix: 'shelf-',
  sinks: ['main'],
  placements: [],
});

/** Deterministic count changes across devices, in webhook-sized batches. */
function makeBatches(batchSize: number): object[][] {
  const counts = new Array<number>(deviceCount).fill(24);
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const notes: object[] = counts.map((c, i) => note(i, c));
  while (notes.length < total) {
    const i = Math.floor(random() * deviceCount);
    const c = counts[i] as number;
    const next = c < 6 ? 24 : random() < 0.3 && c < 24 ? c + 1 : c - 1;
    counts[i] = next;
    notes.push(note(i, next));
  }
  const batches: object[][] = [];
  for (let i = 0; i < notes.length; i += batchSize) batches.push(notes.slice(i, i + batchSize));
  return batches;
}

function note(i: number, count: number): object {
  return {
    ep: `shelf-${i}`,
    path: '/10341/0/26342',
    ct: 'text/plain',
    payload: Buffer.from(String(count)).toString('base64'),
  };
}

function query(url: string, db: string, q: string): Promise<unknown[][]> {
  return influxqlRows(url, q, { db });
}

// The load generator plays the device cloud, whose costs are not the bridge's:
// plain node:http on one keep-alive connection costs it far less CPU per
// request than fetch, and it shares the two cores with the bridge and influxd.
const cloudAgent = new Agent({ keepAlive: true, maxSockets: 1 });

function deliverOnce(url: string, body: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-shelfpulse-secret': secret,
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** Deliveries the bridge refused (503, buffers full) and the cloud had to repeat. */
let refused = 0;

/**
 * Delivers one batch like the cloud: again after a pause until it gets a 2xx.
 * One connection by default, as the cloud's channel; the latency probe passes
 * the global agent so that it does not queue behind the background load.
 */
async function deliver(url: string, body: string, agent = cloudAgent): Promise<void> {
  while ((await deliverOnce(url, body, agent)) >= 300) {
    refused++;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function spawnBridge(work: string, influxUrl: string, db: string, spoolDir?: string) {
  const configFile = join(work, `bridge-${db}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      listen: { port: 0 },
      // Full batches leave at once whatever this is; it only holds the last,
      // partial one of a burst, which would add up to 500 ms to a 2 s run.
      sinks: [{ name: 'main', url: influxUrl, database: db, flushIntervalMs: 50 }],
      fleets: [fleet],
      ...(spoolDir ? { spool: { dir: spoolDir } } : {}),
      logLevel: 'info',
    }),
  );
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '../bridge/bin/bridge.ts'), '--config', configFile],
    {
      env: { ...process.env, BRIDGE_WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /"url":"([^"]+)","pid":\d+,"msg":"ready"/.exec(out);
      if (ready) resolve(ready[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`bridge exited ${code}: ${out}`)));
  });
  child.stdout.resume();
  return { child, url };
}

async function writtenPoints(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = /^shelfpulse_bridge_points_written_total\{sink="main"\} (\d+)/m.exec(text);
  return Number(line?.[1] ?? 0);
}

async function createDb(url: string, db: string): Promise<void> {
  await fetch(`${url}/query`, {
    method: 'POST',
    body: new URLSearchParams({ q: `CREATE DATABASE "${db}"` }),
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function startBridge(
  influxUrl: string,
  db: string,
  extra: Partial<BridgeConfigInput> = {},
): Promise<BridgeApp> {
  return startBridgeApp(
    BridgeConfigSchema.parse({
      listen: { port: 0 },
      webhook: { secret },
      sinks: [{ name: 'main', url: influxUrl, database: db }],
      fleets: [fleet],
      logLevel: 'silent',
      ...extra,
    }),
    { log: silent },
  );
}

type Path = 'firehose' | 'no spool' | 'spool';
const paths: Path[] = ['firehose', 'no spool', 'spool'];
const pathNames: Record<Path, string> = {
  firehose: 'line-protocol firehose (5 000-point gzip batches)',
  'no spool': 'bridge, no spool (204 once written)',
  spool: 'bridge, disk spool (204 once fsynced)',
};

async function throughput(influxUrl: string, work: string): Promise<void> {
  console.log(
    `\nThroughput: ${total} notifications, ${deviceCount} devices, ${rounds} rounds; each round runs every path, in rotating order`,
  );
  console.log(
    `| webhook batch | path | seconds (median of ${rounds}) | notifications/s | ratio to firehose: median (each round) | deliveries refused (503) |`,
  );
  console.log(`|---|---|---|---|---|---|`);
  for (const batchSize of batchSizes) await throughputAt(batchSize, influxUrl, work);
}

/** Seconds for each path in each round, at one webhook batch size. */
async function throughputAt(batchSize: number, influxUrl: string, work: string): Promise<void> {
  const batches = makeBatches(batchSize);
  // The firehose writes exactly the points the bridge would write.
  const translator = new Translator({
    router: new StaticRouter([fleet]),
    directory: new DeviceDirectory(),
    rules: { restockMinItems: 5 },
    metrics: new BridgeMetrics(),
    log: silent,
  });
  const lines: string[] = [];
  batches.forEach((b) =>
    lines.push(...(translator.translate({ notifications: b }, Date.now()).points['main'] ?? [])),
  );
  const counts = lines.filter((l) => l.startsWith('product_count')).length;
  const bodies = batches.map((b) => JSON.stringify({ notifications: b }));
  const seconds: Record<Path, number[]> = { firehose: [], 'no spool': [], spool: [] };
  const refusals: Record<Path, number> = { firehose: 0, 'no spool': 0, spool: 0 };
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < paths.length; k++) {
      const path = paths[(round + k) % paths.length] as Path;
      const db = `t${batchSize}_${path.replace(' ', '_')}_${round}`;
      await createDb(influxUrl, db);
      const refusedBefore = refused;
      seconds[path].push(
        path === 'firehose'
          ? await firehose(influxUrl, db, lines)
          : await throughBridge(influxUrl, work, db, bodies, lines.length, path === 'spool'),
      );
      refusals[path] += refused - refusedBefore;
      const written = await query(influxUrl, db, 'SELECT count("count") FROM product_count');
      if (written[0]?.[1] !== counts)
        throw new Error(`${path} wrote ${String(written[0]?.[1])} of ${counts} counts`);
    }
  }
  for (const path of paths) {
    const ratios = seconds[path].map((t, i) => (seconds.firehose[i] as number) / t);
    const m = median(seconds[path]);
    console.log(
      `| ${batchSize.toLocaleString('en')} | ${pathNames[path]} | ${m.toFixed(2)} | ${Math.round(total / m).toLocaleString('en')}/s | ${
        path === 'firehose'
          ? '1'
          : `**${median(ratios).toFixed(2)}** (${ratios.map((r) => r.toFixed(2)).join(', ')})`
      } | ${path === 'firehose' ? '' : refusals[path]} |`,
    );
  }
}

async function firehose(influxUrl: string, db: string, lines: string[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < lines.length; i += 5000) {
    const response = await fetch(`${influxUrl}/write?db=${db}&precision=u`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(lines.slice(i, i + 5000).join('\n')),
    });
    if (response.status !== 204) throw new Error(`firehose: ${response.status} ${await response.text()}`);
  }
  return (performance.now() - started) / 1000;
}

/** The bridge as its own process, as in production; this one plays the cloud. */
async function throughBridge(
  influxUrl: string,
  work: string,
  db: string,
  bodies: string[],
  points: number,
  spool: boolean,
): Promise<number> {
  const bridge = await spawnBridge(work, influxUrl, db, spool ? join(work, `spool-${db}`) : undefined);
  const started = performance.now();
  for (const body of bodies) await deliver(`${bridge.url}/notify`, body);
  while ((await writtenPoints(bridge.url)) < points) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - started) / 1000;
  bridge.child.kill('SIGTERM');
  await new Promise((r) => bridge.child.once('exit', r));
  return seconds;
}

/** Count change → queryable, with background load of ~1000 notifications/s; with and without the spool. */
async function latency(influxUrl: string, work: string): Promise<void> {
  console.log(`\nDelay count change → queryable (default settings, ~1 000 notifications/s background):`);
  console.log(`| bridge | probes | p50 | p90 | p99 | max |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const spool of [false, true]) {
    const db = spool ? 'latency_spool' : 'latency';
    const delays = await probeDelays(
      influxUrl,
      db,
      spool ? join(work, 'spool-latency') : undefined,
      spool ? 100 : 200,
    );
    const ms = (p: number): string => `${percentile(delays, p).toFixed(0)} ms`;
    console.log(
      `| ${spool ? 'disk spool (points wait for a full batch or flushIntervalMs, 500 ms)' : 'no spool (204 once written)'} | ${delays.length} | ${ms(50)} | ${ms(90)} | ${ms(99)} | ${(delays.at(-1) ?? 0).toFixed(0)} ms |`,
    );
  }
}

/** Sorted delays of `probes` count changes of one probe shelf, under background load. */
async function probeDelays(
  influxUrl: string,
  db: string,
  spoolDir: string | undefined,
  probes: number,
): Promise<number[]> {
  await createDb(influxUrl, db);
  const app = await startBridge(influxUrl, db, spoolDir ? { spool: { dir: spoolDir } } : {});
  const hook = `${app.url}/notify`;
  const delays: number[] = [];
  const probe = 'shelf-probe';
  let running = true;
  const load = (async () => {
    let n = 0;
    while (running) {
      const notes = Array.from({ length: 100 }, (_, k) =>
        note((n * 100 + k) % deviceCount, 24 - ((n + k) % 10)),
      );
      await deliver(hook, JSON.stringify({ notifications: notes }), globalAgent);
      n++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  for (let i = 0; i < probes; i++) {
    const count = 1000 + i;
    const sent = performance.now();
    void deliver(hook, JSON.stringify({ notifications: [{ ...note(0, count), ep: probe }] }), globalAgent);
    for (;;) {
      const rows = await query(
        influxUrl,
        db,
        `SELECT last("count") FROM product_count WHERE "device_id" = '${probe}'`,
      );
      if (rows[0]?.[1] === count) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    delays.push(performance.now() - sent);
    await new Promise((r) => setTimeout(r, 50));
  }
  running = false;
  await load;
  await app.close(5000);
  return delays.sort((a, b) => a - b);
}

async function sweep(influxUrl: string): Promise<void> {
  console.log(`\nPrecision/recall against ground truth (12 shelves, 20 s each):`);
  console.log(
    `| shopper rate per shelf | events | pickup P/R | putback P/R | restock P/R | notifications dropped by shelves |`,
  );
  console.log(`|---|---|---|---|---|---|`);
  for (const speedup of [20, 200, 1000]) {
    const r = await runScoring(influxUrl, speedup, 20_000);
    const pr = (k: string): string =>
      `${r.scores[k]?.precision.toFixed(3)} / ${r.scores[k]?.recall.toFixed(3)}`;
    console.log(
      `| ${r.ratePerShelfPerMinute.toFixed(0)}/min | ${r.events} | ${pr('pickup')} | ${pr('putback')} | ${pr('restock')} | ${r.dropped} |`,
    );
  }
}

/** Shelves → emulator → bridge → InfluxDB at one shopper rate; scores the derived events. */
async function runScoring(influxUrl: string, speedup: number, runMs: number) {
  const db = `sweep_${speedup}`;
  await createDb(influxUrl, db);
  const apiKey = 'bench-sweep-api-key-0001';
  const cloud = await startDeviceCloud({ apiKeys: [apiKey], logLevel: 'silent' }, { logger: silent });
  const sdk = new MbedSdkDeviceCloud({ apiUrl: cloud.url, apiKey });
  const prefix = `sweep${speedup}-`;
  await sdk.updatePresubscriptions([
    { endpointName: `${prefix}*`, resourcePaths: ['/10341/0/26341', '/10341/0/26342'] },
  ]);
  const placements = [
    { productId: 'oat-milk', position: 'eye-level' as const, capacity: 12, restockThreshold: 4 },
    { productId: 'rice-1kg', position: 'low' as const, capacity: 10, restockThreshold: 3 },
  ];
  const port = await freePort();
  const app = await startBridgeApp(
    BridgeConfigSchema.parse({
      listen: { port },
      webhook: { secret, publicUrl: `http://127.0.0.1:${port}/notify` },
      cloud: { apiUrl: cloud.url, apiKey },
      sinks: [{ name: 'main', url: influxUrl, database: db }],
      fleets: [{ fleet: 'sweep', devicePrefix: prefix, sinks: ['main'], placements }],
      logLevel: 'silent',
    }),
    { log: silent },
  );
  const shoppersPerHour = 600;
  const handleProbability = 0.5;
  const config = SimulatorConfigSchema.parse({
    fleet: 'sweep',
    endpointPrefix: prefix,
    server: cloud.coap,
    shelvesPerReplica: 12,
    placements,
    behaviour: {
      shoppersPerHour,
      dailyProfile: Array(24).fill(1),
      handleProbability,
      restockDelaySecondsMean: 30,
    },
    speedup,
    seed: 9,
  });
  const { runner, observed, truth } = observedRun(config, {
    bindAddress: '127.0.0.1',
    log: silent,
  });
  await runner.start();
  while (observed.size < 12) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, runMs));
  runner.stopShoppers();
  const dropped = runner.stats().droppedNotifications;
  await new Promise((r) => setTimeout(r, 3000));
  while (app.bridge.pending > 0) await new Promise((r) => setTimeout(r, 20));
  const response = await fetch(`${influxUrl}/query`, {
    method: 'POST',
    body: new URLSearchParams({
      db,
      epoch: 'ms',
      q: 'SELECT "items", "kind" FROM shelf_event GROUP BY "device_id"',
    }),
  });
  const body = (await response.json()) as {
    results: { series?: { tags: { device_id: string }; values: [number, number, string][] }[] }[];
  };
  const derived: ScoredEvent[] = (body.results[0]?.series ?? []).flatMap((s) =>
    s.values.map(([t, items, kind]) => ({ device: s.tags.device_id, kind, items, timeMs: t })),
  );
  const expected: ScoredEvent[] = truth.map((r) => ({
    device: deviceIdFor(r.endpoint),
    kind: r.kind,
    items: r.items,
    timeMs: Date.parse(r.wallTime ?? r.time),
  }));
  await runner.stop({ timeoutMs: 1000 });
  await app.close(2000);
  await Promise.race([cloud.close(), new Promise((r) => setTimeout(r, 2000))]);
  // Handles per shelf per real minute: shoppers × probability × speed-up (eye-level; low shelves fewer).
  const ratePerShelfPerMinute = (shoppersPerHour / 60) * handleProbability * speedup;
  return { scores: score(expected, derived, 5_000), events: truth.length, dropped, ratePerShelfPerMinute };
}

/** Shopper model → counts sampled every `pminMs` (simulated) → Deriver; scored per kind. */
function coalesceStudy(): void {
  const behaviour = BehaviourSchema.parse({
    shoppersPerHour: 120,
    dailyProfile: Array(24).fill(1),
    handleProbability: 0.5,
  });
  console.log(
    `\nCoalescing: 200 shelves × 8 simulated hours (~${Math.round((behaviour.shoppersPerHour * 0.5 * 8 * 200) / 1000)}k handles), counts notified at most every pmin`,
  );
  console.log(`| pmin (simulated) | true events | pickup P/R | putback P/R | restock P/R |`);
  console.log(`|---|---|---|---|---|`);
  for (const pminMs of [0, 1_000, 10_000, 60_000, 300_000]) {
    const truth: ScoredEvent[] = [];
    const derived: ScoredEvent[] = [];
    const deriver = new Deriver({ restockMinItems: 5 });
    for (let shelf = 0; shelf < 200; shelf++) {
      const placement = placementsFor[shelf % placementsFor.length] as Placement;
      const model = new ShelfModel({ behaviour, placement, seed: 3, shelf, startMs: 0 });
      const device = `shelf-${shelf}`;
      deriver.observe({ deviceId: device, count: model.count, timeUs: 0 }, placement);
      let lastSent = -Infinity;
      let pending: { count: number; timeMs: number } | undefined;
      const send = (count: number, timeMs: number): void => {
        lastSent = timeMs;
        const d = deriver.observe({ deviceId: device, count, timeUs: timeMs * 1000 }, placement);
        if (d.event) derived.push({ device, kind: d.event.kind, items: d.event.items, timeMs });
      };
      for (let event = model.next(8 * 3_600_000); event; event = model.next(8 * 3_600_000)) {
        truth.push({ device, kind: event.kind, items: event.items, timeMs: event.timeMs });
        // LwM2M pmin: a change within pmin of the last notification waits, and later changes replace it.
        if (pending && event.timeMs >= pending.timeMs) {
          send(pending.count, pending.timeMs);
          pending = undefined;
        }
        if (event.timeMs - lastSent >= pminMs) send(event.count, event.timeMs);
        else pending = { count: event.count, timeMs: lastSent + pminMs };
      }
      if (pending) send(pending.count, pending.timeMs);
    }
    const scores = score(truth, derived, Math.max(pminMs, 1));
    const pr = (k: string): string => `${scores[k]?.precision.toFixed(3)} / ${scores[k]?.recall.toFixed(3)}`;
    console.log(
      `| ${pminMs / 1000} s | ${truth.length} | ${pr('pickup')} | ${pr('putback')} | ${pr('restock')} |`,
    );
  }
}

const placementsFor: Placement[] = [
  { productId: 'oat-milk', position: 'eye-level', capacity: 24, restockThreshold: 6 },
  { productId: 'rice-1kg', position: 'low', capacity: 10, restockThreshold: 3 },
];

const work = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
const influx = await startInfluxd(work);
try {
  console.log(`Bridge benchmark, node ${process.version}, ${new Date().toISOString()}`);
  const parts = new Set(args.parts.split(','));
  if (parts.has('throughput')) await throughput(influx.url, work);
  if (parts.has('latency')) await latency(influx.url, work);
  if (parts.has('coalesce')) coalesceStudy();
  if (parts.has('sweep')) await sweep(influx.url);
} finally {
  await influx.stop();
  rmSync(work, { recursive: true, force: true });
}
