// Retention and rollups as the chart creates them, against the real influxd:
// the statements are taken from the chart's rendered ConfigMap (helm template)
// and run the way the InfluxDB image's init script runs them on its first
// start: as the admin, one line at a time, after the database and the users.
// Then three days of shelf activity are written as the writer user, the
// continuous queries' own SELECT INTO (as the server stored them) is run over
// that past window, and
// - the hourly rollups, and the daily rollups made from them, hold the same
//   totals as the raw points (pick-ups per product per day, event and
//   count-change counts, last counts per shelf), which equal the ground truth;
// - every panel answers from exactly one target for a given range (the other
//   targets' interval bands fold to false in InfluxDB and return nothing), and
//   over long ranges that target, reading the rollups, returns the same series
//   as the same panel query over the raw points.
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { binary, freePort, Helm, influxql, ManagedProcess, type InfluxSeries } from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chartRetention } from '../../../charts/test/integration/chart-retention.ts';
import { productActivityQuery } from '../../src/dashboards/product-activity.ts';
import { bandsHold, intervalMs, interpolate, type QueryContext } from '../../src/grafana-interpolation.ts';
import type { InfluxTarget } from '../../src/influx-target.ts';
import { panelQueries } from '../../src/panel-queries.ts';
import { buildDashboards } from '../../src/index.ts';
import {
  dailyRollupRetentionPolicy,
  rollupRetentionPolicy,
  tierFor,
  tiers,
  type Tier,
} from '../../src/rollups.ts';
import { allValue } from '../../src/variables.ts';
import { daysGroundTruth } from './days-scenario.ts';
import { scenarioLines } from './scenario.ts';

const env = inject('testenv');
const day = 86_400_000;
const hour = 3_600_000;
const admin = { username: 'admin', password: 'rollups-admin-pw' };
const writer = { username: 'shelfpulse-writer', password: 'rollups-writer-pw' };
const reader = { username: 'shelfpulse-reader', password: 'rollups-reader-pw' };

/** Three whole UTC days that ended at least a day ago: inside the raw retention, and past every CQ window. */
const fromMs = Math.floor(Date.now() / day) * day - 4 * day;
const days = 3;
const truth = daysGroundTruth(fromMs, days);
const toMs = fromMs + days * day;

const basic = (user: { username: string; password: string }) => ({
  Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
});

let influx: { url: string; stop(): Promise<void> };
let database: string;
let statements: string[];

const run = (q: string, as = admin, method: 'GET' | 'POST' = 'POST') =>
  influxql(influx.url, q, { db: database, epoch: 'ms', method, headers: basic(as) });

const panels: { dashboard: string; panel: Panel; targets: InfluxTarget[] }[] = Object.entries(
  buildDashboards(),
).flatMap(([dashboard, d]) =>
  (d.panels ?? []).flatMap((panel) =>
    'targets' in panel ? [{ dashboard, panel, targets: (panel.targets ?? []) as InfluxTarget[] }] : [],
  ),
);

const variables: QueryContext['variables'] = Object.fromEntries(
  ['store', 'aisle', 'fleet', 'product'].map((name) => [
    name,
    { values: [], multi: true, all: true, allValue },
  ]),
);

/** Series as comparable rows: name, tags, then [time, value rounded to 9 digits]. */
function normalised(series: InfluxSeries[]): string[] {
  return series
    .map((s) =>
      JSON.stringify([
        s.name,
        s.tags ?? {},
        s.values.map(([t, v]) => [t, typeof v === 'number' ? Number(v.toFixed(9)) : v]),
      ]),
    )
    .sort();
}

describe('retention and rollups as the chart creates them (real influxd)', () => {
  beforeAll(async () => {
    const retention = await chartRetention(new Helm(env.workDir));
    expect(retention.file).toMatch(/\.iql$/);
    database = retention.database;
    statements = retention.statements;

    // The test image's first-start script (hack/influxd-init, standing in for the official image's):
    // the StatefulSet's environment, the Secret's users, and the ConfigMap in its init directory.
    const dir = join(env.workDir, `rollups-influxd-${process.pid}`);
    const initdb = join(dir, 'initdb');
    mkdirSync(initdb, { recursive: true });
    writeFileSync(join(initdb, retention.file), retention.text);
    const secret: Record<string, string> = {
      'admin-user': admin.username,
      'admin-password': admin.password,
      'writer-user': writer.username,
      'writer-password': writer.password,
      'reader-user': reader.username,
      'reader-password': reader.password,
    };
    const ports = { http: await freePort(), rpc: await freePort(), init: await freePort() };
    const process_ = new ManagedProcess({
      name: 'influxd-init',
      command: binary('influxd-init'),
      args: [],
      logFile: join(dir, 'influxd.log'),
      env: {
        ...Object.fromEntries(
          retention.env.map((e) => [e.name, e.secretKey ? secret[e.secretKey]! : e.value!]),
        ),
        PATH: `${dirname(binary('influxd'))}${delimiter}${process.env['PATH'] ?? ''}`,
        INFLUXDB_META_DIR: join(dir, 'meta'),
        INFLUXDB_DATA_DIR: join(dir, 'data'),
        INFLUXDB_DATA_WAL_DIR: join(dir, 'wal'),
        INFLUXDB_BIND_ADDRESS: `127.0.0.1:${ports.rpc}`,
        INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${ports.http}`,
        INFLUXDB_INIT_PORT: String(ports.init),
        INFLUXDB_INITDB_DIR: initdb,
        INFLUXDB_LOGGING_LEVEL: 'warn',
      },
    });
    influx = { url: `http://127.0.0.1:${ports.http}`, stop: () => process_.stop() };
    process_.start();
    await process_.waitUntil(async () => {
      const response = await fetch(`${influx.url}/ping`).catch(() => undefined);
      return response?.status === 204;
    }, 60_000);

    const write = await fetch(`${influx.url}/write?db=${database}&precision=ms`, {
      method: 'POST',
      headers: basic(writer),
      body: scenarioLines(truth).join('\n'),
    });
    expect(write.status, await write.text()).toBe(204);

    // Backfill: each continuous query's own SELECT INTO, as the server stored it, over the written window
    // (whole UTC days), in the server's order: the hourly CQs, then the daily ones that read their rows.
    const [cqs] = await run('SHOW CONTINUOUS QUERIES').then((s) => s.filter((x) => x.name === database));
    for (const [, stored] of cqs!.values) {
      const [, select, groupBy] = /BEGIN (SELECT .*) GROUP BY (.*) END$/.exec(stored as string)!;
      await run(`${select} WHERE time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY ${groupBy}`);
    }
  });

  afterAll(async () => {
    await influx?.stop();
  });

  it('creates the raw retention (default), the hourly and the daily rollup with one continuous query per measurement each', async () => {
    const policies = await run('SHOW RETENTION POLICIES');
    expect(policies[0]!.values.map(([name, duration, , , isDefault]) => [name, duration, isDefault])).toEqual(
      [
        ['autogen', '720h0m0s', true],
        [rollupRetentionPolicy, '0s', false],
        [dailyRollupRetentionPolicy, '0s', false],
      ],
    );
    const cqs = (await run('SHOW CONTINUOUS QUERIES')).find((s) => s.name === database)!;
    const measurements = [
      'product_count',
      'shelf_event',
      'shelfpulse_bridge_fleet',
      'shelfpulse_bridge_sink',
    ];
    // In this order (the order of creation): the daily ones come after the hourly rows they read.
    expect(cqs.values.map(([name]) => name)).toEqual([
      ...measurements.map((m) => `${m}_1h`),
      ...measurements.map((m) => `${m}_1d`),
    ]);
    for (const [name, query] of cqs.values) {
      const m = (name as string).replace(/_1[hd]$/, '');
      expect(query).toMatch(
        (name as string).endsWith('_1h')
          ? new RegExp(
              `RESAMPLE EVERY 10m FOR 2h .* INTO ${database}\\.${rollupRetentionPolicy}\\.${m} FROM ${database}\\.autogen\\.${m} GROUP BY time\\(1h\\)`,
            )
          : new RegExp(
              `RESAMPLE EVERY 10m FOR 1d .* INTO ${database}\\.${dailyRollupRetentionPolicy}\\.${m} FROM ${database}\\.${rollupRetentionPolicy}\\.${m} GROUP BY time\\(1d\\)`,
            ),
      );
    }
  });

  it('can run the file again (an upgrade re-applies it by hand, README) without error', async () => {
    await run(statements.join('\n'));
  });

  it('needs no admin rights at run time: the writer writes, and may not change retention', async () => {
    await expect(
      run(`CREATE RETENTION POLICY "x" ON "${database}" DURATION 1d REPLICATION 1`, writer),
    ).rejects.toThrow(/requires admin privilege|authorized/);
    const rows = await run(
      `SELECT count("items") FROM "shelf_event" WHERE time >= ${fromMs}ms`,
      reader,
      'GET',
    );
    expect(rows[0]!.values[0]![1]).toBe(truth.interactions.length);
  });

  it('hourly and daily rollups hold the same totals as the raw points: pick-ups per product per day, events, changes, last counts', async () => {
    const window = `time >= ${fromMs}ms AND time < ${toMs}ms`;
    const perDay = async (expression: string, rp: string, measurement: string, where = '') =>
      normalised(
        await run(
          `SELECT ${expression} FROM "${rp}"."${measurement}" WHERE ${where}${window} GROUP BY time(1d), "product_id"`,
          reader,
          'GET',
        ),
      );
    const pickups = `"kind" = 'pickup' AND `;
    const rawPickups = await perDay('sum("items")', 'autogen', 'shelf_event', pickups);
    const rollups = [rollupRetentionPolicy, dailyRollupRetentionPolicy];
    for (const rp of rollups)
      expect(await perDay('sum("items")', rp, 'shelf_event', pickups), rp).toEqual(rawPickups);
    // …and both equal what happened on the shelves.
    const wanted = new Map<string, number>();
    for (const i of truth.interactions.filter((i) => i.kind === 'pickup')) {
      const product = truth.shelves.find((s) => s.device_id === i.device_id)!.product_id;
      const k = `${product}@${Math.floor(i.timeMs / day) * day}`;
      wanted.set(k, (wanted.get(k) ?? 0) + i.items);
    }
    const got = new Map<string, number>();
    for (const row of rawPickups) {
      const [, tags, values] = JSON.parse(row) as [string, { product_id: string }, [number, number | null][]];
      for (const [t, v] of values) if (v !== null) got.set(`${tags.product_id}@${t}`, v);
    }
    expect(got).toEqual(wanted);

    const rawEvents = await perDay('count("items")', 'autogen', 'shelf_event');
    const rawChanges = await perDay('count("count")', 'autogen', 'product_count');
    for (const rp of rollups) {
      expect(await perDay('sum("events")', rp, 'shelf_event'), rp).toEqual(rawEvents);
      expect(await perDay('sum("changes")', rp, 'product_count'), rp).toEqual(rawChanges);
    }
    // Last counts per shelf (as "Stock per shelf" reads them; across shelves an hour's points tie).
    const lastPerShelf = async (rp: string) =>
      normalised(
        await run(
          `SELECT last("count") FROM "${rp}"."product_count" WHERE ${window} GROUP BY time(1d), "device_id"`,
          reader,
          'GET',
        ),
      );
    const rawLast = await lastPerShelf('autogen');
    for (const rp of rollups) expect(await lastPerShelf(rp), rp).toEqual(rawLast);
    // The daily rollup has one row per series and day (the hourly one up to 24): what makes long ranges cheap.
    const rowsPerSeries = async (rp: string) =>
      (
        await run(
          `SELECT count("items") FROM "${rp}"."shelf_event" WHERE ${window} GROUP BY "device_id", "kind"`,
          reader,
          'GET',
        )
      ).map((series) => series.values[0]![1] as number);
    expect(Math.max(...(await rowsPerSeries(dailyRollupRetentionPolicy)))).toBe(days);
    expect(Math.max(...(await rowsPerSeries(rollupRetentionPolicy)))).toBeGreaterThan(10 * days);
  });

  const contexts: [string, number, number][] = [
    ['1 h', fromMs + 30 * hour, fromMs + 31 * hour],
    ['6 h', fromMs + 24 * hour, fromMs + 30 * hour],
    ['3 days', fromMs, toMs],
    ['10 days', toMs - 10 * day, toMs],
    ['30 days', toMs - 30 * day, toMs],
    ['60 days', toMs - 60 * day, toMs],
    ['250 days', toMs - 250 * day, toMs],
    ['1,200 days', toMs - 1_200 * day, toMs],
  ];

  it('these ranges reach every tier (each tier is compared with raw points below)', () => {
    const reached = new Set(
      contexts.flatMap(([, from, to]) =>
        panels.map(
          (p) =>
            tierFor(intervalMs({ fromMs: from, toMs: to, minInterval: p.panel.interval, variables })).name,
        ),
      ),
    );
    expect([...reached].sort()).toEqual(tiers.map((t) => t.name).sort());
  });

  describe.each(contexts)('over %s', (_, from, to) => {
    it.each(panels.map((p) => [`${p.dashboard} / ${p.panel.title}`, p] as const))(
      '%s: one target answers; from the rollups, the same series as from raw points',
      async (_, { panel, targets }) => {
        const context: QueryContext = { fromMs: from, toMs: to, minInterval: panel.interval, variables };
        const interval = intervalMs(context);
        const queries = targets.map((t) => interpolate(t.query, context));
        const answering = queries.filter(bandsHold);
        expect(answering, 'exactly one target answers for this interval').toHaveLength(1);
        const results = await Promise.all(queries.map((q) => run(q, reader, 'GET')));
        queries.forEach((q, i) => {
          if (!bandsHold(q)) expect(results[i], `silent target ${targets[i]!.refId}`).toEqual([]);
        });
        const active = results[queries.indexOf(answering[0]!)]!;
        // A panel with a "no value" text (no empty shelf in this hour) may rightly have nothing to show.
        if (panel.fieldConfig?.defaults?.noValue === undefined)
          expect(active.length, 'the answering target has data').toBeGreaterThan(0);

        // The placement estimates (one point per product and position every 15 minutes) are not tiered.
        if (targets.length === 1) {
          expect(panel.title).toBe('Placement effect (95 % intervals)');
          return;
        }
        const tier = tierFor(interval);
        const byTier = panelQueries[panel.title!]!;
        if (panel.title === 'Product activity' && interval <= 5_000) {
          expect(answering[0]).toBe(interpolate(productActivityQuery.toString(), context));
          return;
        }
        expect(answering[0]).toBe(interpolate(byTier(tier).toString(), context));
        if (!tier.retentionPolicy) return;
        // The same panel query over the raw points, with the rollup tier's buckets.
        const rawTwin: Tier = { ...tiers[0]!, band: [], groupBy: tier.groupBy, groupByMs: tier.groupByMs };
        const raw = await run(interpolate(byTier(rawTwin).toString(), context), reader, 'GET');
        expect(normalised(active)).toEqual(normalised(raw));
      },
    );
  });
});
