// Retention and rollups benchmark (a script, not a test): run with
//   node bench/retention.bench.ts [--shelves 1000] [--period 10] [--day-hours 24]
//                                 [--month-days 29] [--month-period 600] [--parts day,month] [--rounds 3]
// A store estate of `shelves` shelves, each changing once per `period` seconds,
// written as the bridge's line protocol (its own tagSet/countLine/eventLine:
// one product_count and one shelf_event point per notification) into a real
// influxd set up with the chart's retention statements (helm template, tsi1
// index as the chart configures it).
// - day: one day at the full rate: disk bytes per notification once compacted,
//   the hourly and daily rollups' sizes, the continuous queries' cost, and
//   every dashboard query over 1 h and 24 h, with and without rollups.
// - month: `month-days` days at a reduced rate (one change per `month-period`
//   seconds): every dashboard query over 1 h, 24 h, 7 d and 30 d, with rollups
//   (the target the dashboard answers with) and without (the same panel query
//   over raw points), and the rollups' sizes. A month at the full rate is ~260 M notifications, too
//   many to write on the 2-core development machine in reasonable time; raw
//   query times grow with the points read, so they are also printed scaled by
//   the rate ratio (an extrapolation, marked as such).
// A time with rollups is the median of `rounds` runs (the machine is shared);
// raw queries, seconds each, run once. The load average is printed with them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Helm, influxql, seededRandom, startInfluxd, type Influxd } from '../testenv/src/index.ts';
import { chartRetention } from '../charts/test/integration/chart-retention.ts';
import {
  bandsHold,
  intervalMs,
  interpolate,
  type QueryContext,
} from '../grafana-dashboards/src/grafana-interpolation.ts';
import type { InfluxTarget } from '../grafana-dashboards/src/influx-target.ts';
import { panelQueries } from '../grafana-dashboards/src/panel-queries.ts';
import { buildDashboards } from '../grafana-dashboards/src/index.ts';
import { tierFor, tiers, type Tier } from '../grafana-dashboards/src/rollups.ts';
import { allValue } from '../grafana-dashboards/src/variables.ts';
import { tutorialUpToMs } from '../grafana-dashboards/src/dashboards/product-activity.ts';
import { median } from './median.ts';
import { countLine, eventLine, tagSet, type TagSet } from '../bridge/src/line-protocol.ts';
import type { ShelfEventKind } from '../core/src/measurements.ts';

const { values: args } = parseArgs({
  options: {
    shelves: { type: 'string', default: '1000' },
    period: { type: 'string', default: '10' },
    'day-hours': { type: 'string', default: '24' },
    'month-days': { type: 'string', default: '29' },
    'month-period': { type: 'string', default: '120' },
    parts: { type: 'string', default: 'day,month' },
    rounds: { type: 'string', default: '3' },
  },
});
const shelves = Number(args.shelves);
const periodS = Number(args.period);
const parts = new Set(args.parts.split(','));
const rounds = Number(args.rounds);
/** A day's CQ backfill or a month of raw points can take minutes on a loaded machine. */
const timeoutMs = 900_000;
const hour = 3_600_000;
const day = 24 * hour;

/** The estate: 10 stores × aisles of 10 shelves, 100 products, four positions. */
function estate(): { tags: TagSet; capacity: number }[] {
  const positions = ['eye-level', 'low', 'top', 'end-cap'];
  return Array.from({ length: shelves }, (_, i) => {
    const store = `s-${String(Math.floor(i / (shelves / 10)) + 1).padStart(2, '0')}`;
    const aisle = String(Math.floor(i / 10) % 10);
    return {
      capacity: 12 + (i % 13),
      tags: tagSet({
        device_id: `shelf-${i}`,
        product_id: `product-${i % 100}`,
        fleet: `${store}-aisle-${aisle}`,
        namespace: 'shop',
        store,
        aisle,
        position: positions[i % positions.length],
      }),
    };
  });
}

/**
 * Writes one notification per shelf every `period` s from `fromMs` to `toMs`, as the bridge
 * would: a product_count point and the derived shelf_event point. Returns the notifications.
 */
async function writeEstate(influx: Influxd, db: string, fromMs: number, toMs: number, period: number) {
  const next = seededRandom(7);
  // Changes arrive at random (exponential gaps, mean `period` s) and the bridge stamps them in µs:
  // regular timestamps would compress far better than real ones.
  const gapUs = () => Math.max(1, Math.round(-Math.log(1 - next()) * period * 1_000_000));
  const shelvesNow = estate().map((s) => ({
    ...s,
    count: s.capacity,
    taken: 0,
    atUs: fromMs * 1000 + gapUs(),
  }));
  const batch: string[] = [];
  let notifications = 0;
  const pending: Promise<void>[] = [];
  const flush = async (lines: string[]) => {
    const response = await fetch(`${influx.url}/write?db=${db}&precision=u`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    if (response.status !== 204) throw new Error(`write failed: ${response.status} ${await response.text()}`);
  };
  const started = Date.now();
  // Minute by minute, every shelf's changes in that minute (points reach InfluxDB roughly in time order, as from the bridge).
  for (let t = fromMs; t < toMs; t += 60_000) {
    const endUs = Math.min(t + 60_000, toMs) * 1000;
    for (const shelf of shelvesNow) {
      for (; shelf.atUs < endUs; shelf.atUs += gapUs()) {
        let kind: ShelfEventKind;
        let items: number;
        if (shelf.count <= 2) {
          kind = 'restock';
          items = shelf.capacity - shelf.count;
          shelf.taken = 0;
        } else if (shelf.taken > 0 && next() < 0.3) {
          kind = 'putback';
          items = 1;
          shelf.taken -= 1;
        } else {
          kind = 'pickup';
          items = 1 + Math.floor(next() * 2);
          shelf.taken = Math.min(3, shelf.taken + items);
        }
        shelf.count += kind === 'pickup' ? -items : items;
        batch.push(
          countLine(shelf.tags, shelf.count, shelf.atUs),
          eventLine(shelf.tags, kind, items, shelf.atUs),
        );
        notifications++;
        if (batch.length >= 10_000) {
          pending.push(flush(batch.splice(0)));
          if (pending.length >= 2) await pending.shift();
        }
      }
    }
  }
  pending.push(flush(batch.splice(0)));
  await Promise.all(pending);
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `  wrote ${notifications.toLocaleString('en')} notifications (${(2 * notifications).toLocaleString('en')} points) in ${seconds.toFixed(0)} s (${Math.round((2 * notifications) / seconds).toLocaleString('en')} points/s)`,
  );
  return notifications;
}

function bytesIn(path: string): number {
  try {
    return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    return 0;
  }
}

/** Waits until the data and WAL directories stop changing (the TSM engine has compacted what it had). */
async function settled(dirs: string[], quietMs = 30_000, timeoutMs = 600_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const size = dirs.reduce((sum, d) => sum + bytesIn(d), 0);
    if (size !== last) {
      last = size;
      since = Date.now();
    } else if (Date.now() - since >= quietMs || Date.now() > deadline) return size;
    await new Promise((r) => setTimeout(r, 5_000));
  }
}

async function startBenchInflux(workDir: string): Promise<Influxd> {
  // As the chart configures it (influxdb.indexVersion), and quick to compact once writes stop.
  process.env['INFLUXDB_DATA_INDEX_VERSION'] = 'tsi1';
  process.env['INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION'] = '10s';
  process.env['INFLUXDB_DATA_COMPACT_FULL_WRITE_COLD_DURATION'] = '20s';
  process.env['INFLUXDB_DATA_MAX_VALUES_PER_TAG'] = '0';
  return startInfluxd(workDir);
}

async function setUp(influx: Influxd, retention: { database: string; statements: string[] }) {
  await influxql(influx.url, `CREATE DATABASE "${retention.database}"`);
  for (const statement of retention.statements) await influxql(influx.url, statement);
}

/**
 * Each continuous query's own SELECT INTO, as stored, over a past window, in the order the server
 * runs them (the hourly CQs, created first, before the daily ones that read their rows); returns
 * seconds per target retention policy.
 */
async function backfill(influx: Influxd, db: string, fromMs: number, toMs: number) {
  const cqs = (await influxql(influx.url, 'SHOW CONTINUOUS QUERIES')).find((s) => s.name === db)!;
  const seconds: Record<string, number> = {};
  for (const [, stored] of cqs.values) {
    const [, selectInto, into, groupBy] =
      /BEGIN (SELECT .* INTO [^.\s]+\."?(\w+)"?\.\S+ .*) GROUP BY (.*) END$/.exec(stored as string)!;
    const started = Date.now();
    // Whole UTC days, as the CQs would have run (each over its own recent window): a daily group never straddles two calls.
    for (let t = Math.floor(fromMs / day) * day; t < toMs; t += day)
      await influxql(
        influx.url,
        `${selectInto} WHERE time >= ${t}ms AND time < ${Math.min(toMs, t + day)}ms GROUP BY ${groupBy}`,
        { db, timeoutMs },
      );
    seconds[into!] = (seconds[into!] ?? 0) + (Date.now() - started) / 1000;
  }
  return seconds;
}

const cqCost = (seconds: Record<string, number>) =>
  Object.entries(seconds)
    .map(([rp, s]) => `${rp} ${s.toFixed(1)} s`)
    .join(', ');

const panels = Object.values(buildDashboards()).flatMap((d) =>
  (d.panels ?? []).flatMap((p) =>
    'targets' in p
      ? [{ title: p.title!, interval: p.interval, targets: (p.targets ?? []) as InfluxTarget[] }]
      : [],
  ),
);

const variables: QueryContext['variables'] = Object.fromEntries(
  ['store', 'aisle', 'fleet', 'product'].map((name) => [
    name,
    { values: [], multi: true, all: true, allValue },
  ]),
);

async function timed(influx: Influxd, db: string, q: string): Promise<number> {
  const started = performance.now();
  await influxql(influx.url, q, { db, epoch: 'ms', method: 'GET', timeoutMs });
  return performance.now() - started;
}

/** Each panel over each range: ms with the dashboard's answering target, and with the same query over raw points. */
async function queryTimes(
  influx: Influxd,
  db: string,
  toMs: number,
  ranges: [string, number][],
  scale: number,
) {
  const rows: string[] = [];
  const load = () => loadavg()[0]!.toFixed(1);
  const loadBefore = load();
  for (const panel of panels) {
    const cells: string[] = [];
    for (const [, rangeMs] of ranges) {
      const context: QueryContext = { fromMs: toMs - rangeMs, toMs, minInterval: panel.interval, variables };
      const interval = intervalMs(context);
      const answering = panel.targets.map((t) => interpolate(t.query, context)).find(bandsHold)!;
      if (!panelQueries[panel.title]) {
        // Not tiered (the placement estimates: a point per product and position every 15 minutes).
        cells.push(`${Math.round(await timed(influx, db, answering))} ms (one query)`);
        continue;
      }
      const tier = tierFor(interval);
      const raw: Tier = { ...tiers[0]!, band: [] };
      const rawQuery =
        panel.title === 'Product activity' && interval <= tutorialUpToMs
          ? answering
          : interpolate(panelQueries[panel.title]!(raw).toString(), context);
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) times.push(await timed(influx, db, answering));
      const withRollups = median(times);
      const withoutRollups = tier.retentionPolicy ? await timed(influx, db, rawQuery) : withRollups;
      const extrapolated =
        scale !== 1 ? ` (×${scale}: ${((withoutRollups * scale) / 1000).toFixed(1)} s)` : '';
      cells.push(
        `${Math.round(withRollups)} ms (${tier.retentionPolicy ?? 'raw'}) / ${Math.round(withoutRollups)} ms${extrapolated}`,
      );
    }
    rows.push(`| ${panel.title} | ${cells.join(' | ')} |`);
  }
  console.log(`  load average (1 min) ${loadBefore} before these queries, ${load()} after`);
  console.log(`| panel | ${ranges.map(([name]) => `${name}: with / without rollups`).join(' | ')} |`);
  console.log(`|---|${ranges.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(row);
}

const workDir = mkdtempSync(join(tmpdir(), 'retention-bench-'));
const retention = await chartRetention(new Helm(workDir));
const db = retention.database;
console.log(
  `# retention benchmark: ${shelves} shelves; chart statements: ${retention.statements.length} (${retention.file})`,
);

try {
  if (parts.has('day')) {
    const hours = Number(args['day-hours']);
    console.log(`\n## day: ${hours} h at one change per ${periodS} s per shelf`);
    const influx = await startBenchInflux(join(workDir, 'day'));
    await setUp(influx, retention);
    const toMs = Math.floor(Date.now() / hour) * hour - hour;
    const fromMs = toMs - hours * hour;
    const notifications = await writeEstate(influx, db, fromMs, toMs, periodS);
    const root = join(workDir, 'day');
    const influxDir = readdirSync(root).find((d) => d.startsWith('influxd-'))!;
    const raw = await settled([
      join(root, influxDir, 'data', db, 'autogen'),
      join(root, influxDir, 'wal', db, 'autogen'),
    ]);
    const cqSeconds = await backfill(influx, db, fromMs, toMs);
    const rollup = await settled([
      join(root, influxDir, 'data', db, 'rollup_1h'),
      join(root, influxDir, 'wal', db, 'rollup_1h'),
    ]);
    const daily = await settled([
      join(root, influxDir, 'data', db, 'rollup_1d'),
      join(root, influxDir, 'wal', db, 'rollup_1d'),
    ]);
    const perNotification = raw / notifications;
    const perMonth = perNotification * (shelves / periodS) * 30 * 86_400;
    console.log(
      `  raw points on disk (autogen, compacted): ${(raw / 1e6).toFixed(1)} MB = ${perNotification.toFixed(1)} bytes per notification`,
    );
    console.log(`  at this rate: ${(perMonth / 1e9).toFixed(2)} GB per 30 days of raw points`);
    console.log(
      `  hourly rollup for ${hours} h: ${(rollup / 1e6).toFixed(2)} MB (${((rollup / raw) * 100).toFixed(2)} % of raw); daily rollup: ${(daily / 1e6).toFixed(2)} MB; CQs over ${hours} h took ${cqCost(cqSeconds)}`,
    );
    await queryTimes(
      influx,
      db,
      toMs,
      [
        ['1 h', hour],
        ['24 h', day],
      ].filter(([, ms]) => (ms as number) <= hours * hour) as [string, number][],
      1,
    );
    await influx.stop();
  }
  if (parts.has('month')) {
    const days = Number(args['month-days']);
    const monthPeriod = Number(args['month-period']);
    const scale = monthPeriod / periodS;
    console.log(
      `\n## month: ${days} days at one change per ${monthPeriod} s per shelf (1/${scale} of the full rate)`,
    );
    const influx = await startBenchInflux(join(workDir, 'month'));
    await setUp(influx, retention);
    const toMs = Math.floor(Date.now() / hour) * hour - hour;
    const fromMs = toMs - days * day;
    await writeEstate(influx, db, fromMs, toMs, monthPeriod);
    const cqSeconds = await backfill(influx, db, fromMs, toMs);
    console.log(`  CQs over ${days} days took ${cqCost(cqSeconds)}`);
    // Rollup sizes hardly depend on the rate: every series has points in every hour at this rate too.
    const root = join(workDir, 'month');
    const influxDir = readdirSync(root).find((d) => d.startsWith('influxd-'))!;
    for (const rp of ['rollup_1h', 'rollup_1d']) {
      const bytes = await settled([
        join(root, influxDir, 'data', db, rp),
        join(root, influxDir, 'wal', db, rp),
      ]);
      console.log(`  ${rp} for ${days} days: ${(bytes / 1e6).toFixed(2)} MB`);
    }
    await queryTimes(
      influx,
      db,
      toMs,
      [
        ['1 h', hour],
        ['24 h', day],
        ['7 d', 7 * day],
        ['30 d', 30 * day],
      ],
      scale,
    );
    await influx.stop();
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
