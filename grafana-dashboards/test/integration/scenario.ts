// A small deterministic scenario and a DataSource that writes it as the bridge
// would (ARCHITECTURE.md: product_count + shelf_event, same tags), plus the
// bridge's health reports. Four shelves, two stores: filters must drop store s-02.
import { bridgeFleetHealth, bridgeSinkHealth, productCount, shelfEvent } from '@shelfpulse/core/measurements';
import type {
  DataSource,
  FleetReport,
  GroundTruth,
  Interaction,
  Kind,
  Reading,
  Shelf,
  SinkReport,
} from './ground-truth.ts';
import { tagsOf } from './ground-truth.ts';
import { effectLine } from '@shelfpulse/bridge/placement-effect-job';
import * as expected from './expected.ts';

/** 2026-01-01T10:00:00Z: minute-aligned, so 1 m buckets start with the scenario. */
export const scenarioStart = Date.UTC(2026, 0, 1, 10, 0, 0);
const s = (seconds: number) => scenarioStart + seconds * 1000;

const aisle7 = { fleet: 'aisle-7', namespace: 'shop', store: 's-01', aisle: '7' };
export const shelves: Shelf[] = [
  { ...aisle7, device_id: 'shelf-0', product_id: 'cola', position: 'eye-level', capacity: 10 },
  { ...aisle7, device_id: 'shelf-1', product_id: 'chips', position: 'low', capacity: 6 },
  { ...aisle7, device_id: 'shelf-2', product_id: 'soap', position: 'end-cap', capacity: 8 },
  {
    fleet: 'promo',
    namespace: 'shop',
    store: 's-02',
    aisle: '1',
    device_id: 'shelf-3',
    product_id: 'cola',
    position: 'eye-level',
    capacity: 10,
  },
  // The same product as shelf-1 at another position (another fleet: a fleet has one position per product).
  {
    fleet: 'promo',
    namespace: 'shop',
    store: 's-02',
    aisle: '1',
    device_id: 'shelf-4',
    product_id: 'chips',
    position: 'eye-level',
    capacity: 6,
  },
];

/** [second, device, kind, items]; a restock fills the shelf to capacity. */
const script: [number, string, Kind, number][] = [
  [5, 'shelf-0', 'pickup', 2],
  [5, 'shelf-3', 'pickup', 5],
  [6, 'shelf-3', 'putback', 5],
  [10, 'shelf-1', 'pickup', 1],
  [12, 'shelf-1', 'putback', 1],
  [15, 'shelf-2', 'pickup', 1],
  [30, 'shelf-0', 'putback', 1],
  [65, 'shelf-0', 'pickup', 3],
  [66, 'shelf-0', 'pickup', 1],
  [70, 'shelf-2', 'pickup', 2],
  [71, 'shelf-2', 'putback', 1],
  [100, 'shelf-3', 'pickup', 10],
  [120, 'shelf-0', 'pickup', 4],
  [121, 'shelf-0', 'pickup', 1],
  [200, 'shelf-1', 'pickup', 2],
  [201, 'shelf-1', 'putback', 2],
  [250, 'shelf-2', 'pickup', 3],
  [260, 'shelf-2', 'restock', 5],
  [300, 'shelf-0', 'restock', 10],
  [350, 'shelf-1', 'pickup', 6],
  [400, 'shelf-0', 'pickup', 2],
  [500, 'shelf-2', 'pickup', 1],
  [20, 'shelf-4', 'pickup', 1],
  [80, 'shelf-4', 'pickup', 2],
  [81, 'shelf-4', 'putback', 1],
  [150, 'shelf-4', 'pickup', 1],
  [320, 'shelf-4', 'pickup', 1],
  [450, 'shelf-4', 'pickup', 1],
].sort((a, b) => (a[0] as number) - (b[0] as number)) as [number, string, Kind, number][];

export function scenarioGroundTruth(): GroundTruth {
  const counts = new Map(shelves.map((shelf) => [shelf.device_id, shelf.capacity]));
  const readings: Reading[] = shelves.map((shelf) => ({
    timeMs: s(0),
    device_id: shelf.device_id,
    count: shelf.capacity,
  }));
  const interactions: Interaction[] = script.map(([second, device_id, kind, items]) => {
    const count = counts.get(device_id)! + (kind === 'pickup' ? -items : items);
    counts.set(device_id, count);
    return { timeMs: s(second), device_id, kind, items, count };
  });
  const fleetReports: FleetReport[] = [];
  const sinkReports: SinkReport[] = [];
  for (let second = 0; second < 600; second += 10) {
    for (const fleet of ['aisle-7', 'promo']) {
      const inFleet = (id: string) => shelves.find((shelf) => shelf.device_id === id)!.fleet === fleet;
      const notifications = [...readings, ...interactions].filter(
        (e) => inFleet(e.device_id) && e.timeMs <= s(second),
      );
      fleetReports.push({
        timeMs: s(second),
        pod: 'bridge-0',
        fleet,
        namespace: 'shop',
        devices_registered: shelves.filter(
          (shelf) => shelf.fleet === fleet && (second >= 20 || shelf.device_id !== 'shelf-2'),
        ).length,
        notifications_total: notifications.length,
      });
    }
    sinkReports.push({
      timeMs: s(second),
      pod: 'bridge-0',
      sink: 'default',
      namespace: 'shop',
      write_errors_total: second < 200 ? 0 : second < 300 ? 2 : 5,
      points_dropped_total: 0,
      buffer_depth: ({ 200: 40, 210: 15, 300: 90 } as Record<number, number>)[second] ?? 0,
    });
  }
  return {
    exactTimestamps: true,
    fromMs: s(0),
    toMs: s(599),
    shelves,
    readings,
    interactions,
    fleetReports,
    sinkReports,
  };
}

function escapeTag(value: string): string {
  return value.replace(/[ ,=\\]/g, '\\$&');
}

function line(
  measurement: string,
  tags: Record<string, string>,
  fields: Record<string, number>,
  timeMs: number,
): string {
  const tagText = Object.entries(tags)
    .map(([k, v]) => `,${k}=${escapeTag(v)}`)
    .join('');
  const fieldText = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}i`)
    .join(',');
  return `${measurement}${tagText} ${fieldText} ${timeMs}`;
}

export function scenarioLines(truth: GroundTruth): string[] {
  const shelf = (id: string) => tagsOf(truth.shelves.find((candidate) => candidate.device_id === id)!);
  return [
    ...truth.readings.map((r) =>
      line(productCount.measurement, shelf(r.device_id), { count: r.count }, r.timeMs),
    ),
    ...truth.interactions.flatMap((i) => [
      line(productCount.measurement, shelf(i.device_id), { count: i.count }, i.timeMs),
      line(shelfEvent.measurement, { ...shelf(i.device_id), kind: i.kind }, { items: i.items }, i.timeMs),
    ]),
    ...truth.fleetReports.map(({ timeMs, pod, fleet, namespace, ...fields }) =>
      line(bridgeFleetHealth.measurement, { pod, fleet, namespace }, fields, timeMs),
    ),
    ...truth.sinkReports.map(({ timeMs, pod, sink, namespace, ...fields }) =>
      line(bridgeSinkHealth.measurement, { pod, sink, namespace }, fields, timeMs),
    ),
  ];
}

/** The bridge's placement estimate of the scenario, as it would write it at the end of the range. */
export function scenarioEffectLines(truth: GroundTruth): string[] {
  const effects = [
    ...expected.placementEffects(truth, [...new Set(truth.shelves.map((s) => s.product_id))]).values(),
  ];
  return effects.map((e) => effectLine(e, 168, (truth.toMs - 1000) * 1000));
}

/** Writes the scenario through InfluxDB's 1.x /write endpoint. */
export const scenarioSource: DataSource = async ({ url, db }) => {
  const truth = scenarioGroundTruth();
  const create = await fetch(`${url}/query`, {
    method: 'POST',
    body: new URLSearchParams({ q: `CREATE DATABASE "${db}"` }),
  });
  if (!create.ok) throw new Error(`CREATE DATABASE failed: ${create.status}`);
  const response = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=ms`, {
    method: 'POST',
    body: scenarioLines(truth).join('\n'),
  });
  if (response.status !== 204) throw new Error(`write failed: ${response.status} ${await response.text()}`);
  const effects = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=u`, {
    method: 'POST',
    body: scenarioEffectLines(truth).join('\n'),
  });
  if (effects.status !== 204) throw new Error(`write failed: ${effects.status} ${await effects.text()}`);
  return truth;
};
