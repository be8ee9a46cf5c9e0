// A DataSource that runs the real pipeline: simulated shelves (LwM2M) → the
// device-cloud emulator → the bridge (long poll) → InfluxDB, and returns the
// simulator's ground truth. Two fleets in two stores, so the store filter
// matters: aisle-7 in s-01 (cola, chips, soap) and promo in s-02 (cola).
import { pino } from 'pino';
import { BridgeConfigSchema } from '@shelfpulse/bridge/config';
import { startBridgeApp } from '@shelfpulse/bridge/app';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import type { Placement } from '@shelfpulse/core/api/placement';
import { SimulatorConfigSchema } from '@shelfpulse/core/api/simulator-config';
import { startDeviceCloud } from '@shelfpulse/simulator/cloud/device-cloud';
import { deviceIdFor } from '@shelfpulse/simulator/cloud/device-registry';
import type { GroundTruthRecord } from '@shelfpulse/simulator/shelf/ground-truth';
import { observedRun } from '@shelfpulse/simulator/shelf/observed-run';
import { bridgeFleetHealth, bridgeSinkHealth } from '@shelfpulse/core/measurements';
import {
  effectRules,
  type DataSource,
  type FleetReport,
  type GroundTruth,
  type Reading,
  type Shelf,
  type SinkReport,
} from './ground-truth.ts';
import { runInfluxQL } from './influx-query.ts';

const silent = pino({ level: 'silent' });
const apiKey = 'dashboards-pipeline-api-key-01';
const countPath = '/10341/0/26342';

interface FleetPlan {
  fleet: string;
  store: string;
  aisle: string;
  prefix: string;
  shelves: number;
  placements: Placement[];
}

// Put-backs return at most 3 items (the default pick-up weights) and every
// capacity − threshold is larger, so the bridge's rules can tell a put-back
// from a restock. Chips never restock (threshold 0): that shelf runs empty.
const fleets: FleetPlan[] = [
  {
    fleet: 'aisle-7',
    store: 's-01',
    aisle: '7',
    prefix: 'dash-a7-',
    shelves: 4,
    placements: [
      { productId: 'cola', position: 'eye-level', capacity: 10, restockThreshold: 4 },
      { productId: 'chips', position: 'low', capacity: 3, restockThreshold: 0 },
      { productId: 'soap', position: 'end-cap', capacity: 8, restockThreshold: 4 },
    ],
  },
  {
    fleet: 'promo',
    store: 's-02',
    aisle: '1',
    prefix: 'dash-promo-',
    shelves: 2,
    placements: [{ productId: 'cola', position: 'eye-level', capacity: 10, restockThreshold: 4 }],
  },
];
const namespace = 'shop';
/** Wall time the shoppers run; at 120× that is 12 simulated minutes. */
const runMs = 6_000;
const speedup = 120;
const healthIntervalMs = 500;
/**
 * The health panels group by 10 s and take differences between buckets: the
 * bridge reports for at least this long, so that its reports span two buckets.
 */
const minBridgeMs = 12_000;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`pipeline source: ${what} not reached in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Health points the bridge wrote, read back: they have no ground truth outside the bridge itself. */
async function healthReports(url: string, db: string, fromMs: number, toMs: number) {
  const range = `time >= ${fromMs}ms AND time <= ${toMs}ms`;
  const rows = async (measurement: string) =>
    (await runInfluxQL(url, db, `SELECT * FROM "${measurement}" WHERE ${range}`)).flatMap((s) =>
      s.values.map((row) => Object.fromEntries(s.columns.map((c, i) => [c, row[i]]))),
    );
  const fleetReports: FleetReport[] = (await rows(bridgeFleetHealth.measurement)).map((r) => ({
    timeMs: Number(r['time']),
    pod: String(r['pod'] ?? ''),
    fleet: String(r['fleet'] ?? ''),
    namespace: String(r['namespace'] ?? ''),
    devices_registered: Number(r['devices_registered']),
    notifications_total: Number(r['notifications_total']),
  }));
  const sinkReports: SinkReport[] = (await rows(bridgeSinkHealth.measurement)).map((r) => ({
    timeMs: Number(r['time']),
    pod: String(r['pod'] ?? ''),
    sink: String(r['sink'] ?? ''),
    namespace: String(r['namespace'] ?? ''),
    write_errors_total: Number(r['write_errors_total']),
    points_dropped_total: Number(r['points_dropped_total']),
    buffer_depth: Number(r['buffer_depth']),
  }));
  return { fleetReports, sinkReports };
}

export const pipelineSource: DataSource = async ({ url, db }) => {
  const create = await fetch(`${url}/query`, {
    method: 'POST',
    body: new URLSearchParams({ q: `CREATE DATABASE "${db}"` }),
  });
  if (!create.ok) throw new Error(`CREATE DATABASE failed: ${create.status}`);
  const fromMs = Date.now();
  const cloud = await startDeviceCloud(
    { apiKeys: [apiKey], longPoll: { timeoutMs: 1000 }, logLevel: 'silent' },
    { logger: silent },
  );
  // As the operator does: observe product id and count of every shelf of the fleets.
  await new MbedSdkDeviceCloud({ apiUrl: cloud.url, apiKey }).updatePresubscriptions(
    fleets.map((f) => ({ endpointName: `${f.prefix}*`, resourcePaths: ['/10341/0/26341', countPath] })),
  );
  const app = await startBridgeApp(
    BridgeConfigSchema.parse({
      mode: 'long-poll',
      listen: { port: 0 },
      cloud: { apiUrl: cloud.url, apiKey },
      sinks: [{ name: 'default', url, database: db, flushIntervalMs: 50 }],
      fleets: fleets.map((f) => ({
        fleet: f.fleet,
        namespace,
        store: f.store,
        aisle: f.aisle,
        devicePrefix: f.prefix,
        sinks: ['default'],
        placements: f.placements,
      })),
      healthIntervalMs,
      placementEffect: { intervalMs: 0, ...effectRules },
      logLevel: 'silent',
    }),
    { log: silent },
  );
  const bridgeStartedMs = Date.now();

  const shelves: Shelf[] = [];
  const readings: Reading[] = [];
  // The bridge sees a shelf from the cloud's first observation on: its first
  // count is a reading, and only later changes are notified.
  const runs = fleets.map((plan, f) => {
    const config = SimulatorConfigSchema.parse({
      fleet: plan.fleet,
      namespace,
      store: plan.store,
      aisle: plan.aisle,
      endpointPrefix: plan.prefix,
      server: cloud.coap,
      shelvesPerReplica: plan.shelves,
      placements: plan.placements,
      behaviour: {
        shoppersPerHour: 600,
        dailyProfile: Array<number>(24).fill(1),
        handleProbability: 0.5,
        restockDelaySecondsMean: 60,
      },
      speedup,
      seed: 11 + f,
    });
    const run = observedRun(
      config,
      { simStartMs: Date.UTC(2026, 0, 1, 10), bindAddress: '127.0.0.1', log: silent },
      // The observe response carries the count of this very moment.
      (i, endpoint) =>
        readings.push({
          timeMs: Date.now(),
          device_id: deviceIdFor(endpoint),
          count: run.runner.client(i)!.count,
        }),
    );
    run.runner.endpoints.forEach((endpoint, i) => {
      const placement = plan.placements[i % plan.placements.length]!;
      shelves.push({
        device_id: deviceIdFor(endpoint),
        product_id: placement.productId,
        fleet: plan.fleet,
        namespace,
        store: plan.store,
        aisle: plan.aisle,
        position: placement.position,
        capacity: placement.capacity,
      });
    });
    return run;
  });
  const runners = runs.map((r) => r.runner);
  const observedShelves = (): number => runs.reduce((n, r) => n + r.observed.size, 0);
  /** Both fleets' interactions, in the order they happened. */
  const records = (): GroundTruthRecord[] =>
    runs
      .flatMap((r) => r.truth)
      .sort((a, b) => Date.parse(a.wallTime ?? a.time) - Date.parse(b.wallTime ?? b.time));

  try {
    await Promise.all(runners.map((r) => r.start()));
    await waitFor('every shelf observed', async () => observedShelves() === shelves.length);
    await new Promise((resolve) => setTimeout(resolve, runMs));
    for (const runner of runners) runner.stopShoppers();
    for (const runner of runners)
      if (runner.stats().droppedNotifications > 0)
        throw new Error('pipeline source: a shelf dropped notifications');
    // Every count the shelves sent has been taken in (first counts are baselines) and written.
    const expectedCounts = readings.length + records().length;
    await waitFor('every notification taken in', async () => {
      const metric = (await app.metrics.registry.getMetricsAsJSON()).find(
        (m) => m.name === 'shelfpulse_bridge_notifications_total',
      );
      const taken = (metric?.values ?? [])
        .filter((v) => ['baseline', 'changed'].includes(String(v.labels['result'])))
        .reduce((n, v) => n + v.value, 0);
      return taken >= expectedCounts;
    });
    await waitFor('the sink drained', async () => app.bridge.pending === 0);
    // The estimate the bridge would make at its next interval, now that every count is in.
    await app.placementEffect.runOnce();
    await waitFor('the estimate written', async () => app.bridge.pending === 0);
  } finally {
    await Promise.all(runners.map((r) => r.stop({ timeoutMs: 1000 })));
    // Let the health report see the final totals once more, and span two buckets, before closing.
    const reportFor = Math.max(healthIntervalMs * 2, bridgeStartedMs + minBridgeMs - Date.now());
    await new Promise((resolve) => setTimeout(resolve, reportFor));
    await app.close(2000);
    await Promise.race([cloud.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
  }
  const toMs = Date.now();
  const truth: GroundTruth = {
    exactTimestamps: false,
    fromMs,
    toMs,
    shelves,
    readings,
    interactions: records().map((r) => ({
      timeMs: Date.parse(r.wallTime ?? r.time),
      device_id: deviceIdFor(r.endpoint),
      kind: r.kind,
      items: r.items,
      count: r.count,
    })),
    ...(await healthReports(url, db, fromMs, toMs)),
  };
  return truth;
};
