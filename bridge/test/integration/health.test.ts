// The bridge's own health in the real InfluxDB: per fleet the devices seen and
// notifications received, per sink its errors and buffer depth, written by the
// active replica through the sink writers; and the Fleet health dashboard's
// panel queries, interpolated as Grafana does, return series over them.
import { hostname } from 'node:os';
import { fleetHealth } from '@shelfpulse/grafana-dashboards/dashboards/fleet-health';
import { interpolate } from '@shelfpulse/grafana-dashboards/grafana-interpolation';
import { allValue } from '@shelfpulse/grafana-dashboards/variables';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import {
  countNote,
  createDatabase,
  eventually,
  influxql,
  influxqlSeries,
  productNote,
  route,
  silent,
} from './helpers.ts';

const env = inject('testenv');
const url = env.influx.url;
const secret = 'health-test-secret-0123456789';
const db = `bh_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const bucketMs = 10_000; // the panels' min interval
let app: BridgeApp | undefined;

afterAll(async () => {
  await app?.close(1000);
});

const put = async (notifications: object[]): Promise<number> =>
  (
    await fetch(`${app!.url}/notify`, {
      method: 'PUT',
      headers: { 'x-shelfpulse-secret': secret },
      body: JSON.stringify({ notifications }),
    })
  ).status;

/** The last reported fields of fleet "health" (or undefined before the first report). */
async function fleetReport(): Promise<{ devices: unknown; notifications: unknown } | undefined> {
  const rows = await influxql(
    url,
    `SELECT last("devices_registered"), last("notifications_total") FROM "shelfpulse_bridge_fleet" WHERE "fleet" = 'health'`,
    db,
  );
  return rows[0] ? { devices: rows[0][1], notifications: rows[0][2] } : undefined;
}

async function panelQuery(
  q: string,
): Promise<{ tags: Record<string, string>; values: [number, unknown][] }[]> {
  const response = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const body = (await response.json()) as {
    results: { series?: { tags?: Record<string, string>; values: [number, unknown][] }[]; error?: string }[];
  };
  if (body.results[0]?.error) throw new Error(`${body.results[0].error}\n${q}`);
  return (body.results[0]?.series ?? []).map((s) => ({ tags: s.tags ?? {}, values: s.values }));
}

describe('bridge health report', () => {
  it('writes fleet and sink health that the Fleet health panels can read', async () => {
    const fromMs = Date.now() - 1000;
    await createDatabase(url, db);
    app = await startBridgeApp(
      BridgeConfigSchema.parse({
        listen: { port: 0 },
        webhook: { secret },
        sinks: [{ name: 'main', url, database: db, flushIntervalMs: 50 }],
        fleets: [
          route({ fleet: 'health', namespace: 'shop-h', devicePrefix: 'hs-', placements: [] }),
          route({ fleet: 'quiet', namespace: 'shop-q', devicePrefix: 'qs-', placements: [] }),
        ],
        healthIntervalMs: 200,
        logLevel: 'silent',
      }),
      { log: silent },
    );

    // Three notifications of two devices of "health"; one of a device no fleet routes.
    expect(
      await put([
        productNote('hs-1', 'oat-milk'),
        countNote('hs-1', 20),
        countNote('hs-2', 10),
        countNote('nobody-1', 3),
      ]),
    ).toBe(204);
    await eventually(async () => (await fleetReport())?.notifications === 3);
    expect(await fleetReport()).toEqual({ devices: 2, notifications: 3 });

    // The rate panel differentiates per 10 s bucket: the second batch goes in a later bucket.
    await new Promise((r) => setTimeout(r, bucketMs - (Date.now() % bucketMs) + 300));
    expect(await put([countNote('hs-1', 18), countNote('hs-2', 9)])).toBe(204);
    await eventually(async () => (await fleetReport())?.notifications === 5);
    expect(await fleetReport()).toEqual({ devices: 2, notifications: 5 });

    const quiet = await influxql(
      url,
      `SELECT last("devices_registered"), last("notifications_total") FROM "shelfpulse_bridge_fleet" WHERE "fleet" = 'quiet'`,
      db,
    );
    expect(quiet[0]?.slice(1)).toEqual([0, 0]);
    const tags = await influxql(
      url,
      `SHOW TAG VALUES FROM "shelfpulse_bridge_fleet" WITH KEY IN ("pod", "namespace")`,
      db,
    );
    expect(tags.map((r) => r.join('='))).toEqual([
      'namespace=shop-h',
      'namespace=shop-q',
      `pod=${hostname()}`,
    ]);

    const sinkSeries = await influxqlSeries(
      url,
      `SELECT last("buffer_depth"), last("write_errors_total"), last("points_dropped_total") FROM "shelfpulse_bridge_sink" GROUP BY *`,
      db,
    );
    // A static sink has no namespace: the empty tag is left out (InfluxQL reads it as '').
    expect(sinkSeries.map((s) => s.tags)).toEqual([{ pod: hostname(), sink: 'main' }]);
    const [, depth, errors, dropped] = sinkSeries[0]!.values[0]!;
    expect(typeof depth).toBe('number');
    expect(depth).toBeGreaterThanOrEqual(0);
    expect({ errors, dropped }).toEqual({ errors: 0, dropped: 0 });
    // Integers, as the dashboards' scenario writes them (a float would conflict per shard).
    for (const measurement of ['shelfpulse_bridge_fleet', 'shelfpulse_bridge_sink'])
      for (const [, type] of await influxql(url, `SHOW FIELD KEYS FROM "${measurement}"`, db))
        expect(type).toBe('integer');

    // Every panel of the dashboard, with its own interval, as Grafana would send it.
    const toMs = Date.now() + 1000;
    const maxPerBucket = await influxql(
      url,
      `SELECT max("notifications_total") FROM "shelfpulse_bridge_fleet" WHERE "fleet" = 'health' AND time >= ${fromMs}ms AND time <= ${toMs}ms GROUP BY time(10s) fill(none)`,
      db,
    );
    const series = new Map<string, Awaited<ReturnType<typeof panelQuery>>>();
    for (const panel of fleetHealth().build().panels ?? []) {
      if (!('targets' in panel)) continue;
      const query = interpolate((panel.targets?.[0] as unknown as { query: string }).query, {
        fromMs,
        toMs,
        minInterval: panel.interval,
        variables: { fleet: { values: [], multi: true, all: true, allValue } },
      });
      series.set(panel.title ?? '', await panelQuery(query));
    }
    const byFleet = (title: string, fleet: string) =>
      series
        .get(title)
        ?.find((s) => s.tags['fleet'] === fleet)
        ?.values.filter(([, v]) => v !== null) ?? [];
    expect(byFleet('Devices registered', 'health').at(-1)?.[1]).toBe(2);
    expect(byFleet('Devices registered', 'quiet').at(-1)?.[1]).toBe(0);
    // The rates integrate to what the counter rose between the first and the last bucket.
    const rates = byFleet('Notification rate', 'health').map(([, v]) => v as number);
    expect(rates.some((v) => v > 0)).toBe(true);
    const rose = (maxPerBucket.at(-1)?.[1] as number) - (maxPerBucket[0]?.[1] as number);
    expect(rates.reduce((a, b) => a + b, 0) * (bucketMs / 1000)).toBeCloseTo(rose, 9);
    for (const title of ['Bridge write errors', 'Bridge buffer depth']) {
      const got = series.get(title) ?? [];
      expect(got.map((s) => [s.tags['pod'], s.tags['sink']])).toEqual([[hostname(), 'main']]);
      expect(got[0]!.values.some(([, v]) => typeof v === 'number')).toBe(true);
    }
    expect(series.get('Bridge write errors')![0]!.values.every(([, v]) => v === null || v === 0)).toBe(true);
  });
});
