// Every panel of every generated dashboard: its InfluxQL, interpolated as
// Grafana would ($timeFilter, $__interval, variables), runs against the real
// influxd and returns series whose values agree with the ground truth of the
// data source. Two sources, each in its own database:
// - scenario (points written with the ground truth's own timestamps):
//   tolerance none — counts and sums equal per bucket, ratios equal to 1e-9;
// - pipeline (shelf-sim → device-cloud emulator → bridge, points stamped on
//   arrival, exactTimestamps false): totals over the range still equal the
//   simulator's ground truth exactly (items and event counts per key, ratios
//   to 1e-9, last stock and empty shelves, health from the bridge's own
//   reports), since the bridge derives every change exactly (put-backs of at
//   most 3 items, restocks larger than capacity − threshold). Per-bucket
//   values are not compared: a point can land in the neighbouring bucket.
//   The tutorial's per-second activity (non-negative differences of counts
//   per 1 s bucket) depends on that bucketing, so for it only its invariant is
//   checked: per product at most its number of count points (an increase
//   needs that many new points), and some activity in all.
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { intervalMs, interpolate, type QueryContext } from '../../src/grafana-interpolation.ts';
import { buildDashboards } from '../../src/index.ts';
import type { InfluxTarget } from '../../src/influx-target.ts';
import { allValue } from '../../src/variables.ts';
import * as expected from './expected.ts';
import type { DataSource, GroundTruth } from './ground-truth.ts';
import { byTags, runInfluxQL, type Series } from './influx-query.ts';
import { pipelineSource } from './pipeline-source.ts';
import { scenarioSource } from './scenario.ts';

const env = inject('testenv');

/** Store s-01 only, three products; aisle and fleet "All". The s-02 shelves must not count. */
const selection: expected.Selection = { stores: ['s-01'], products: ['cola', 'chips', 'soap'] };
const variables: QueryContext['variables'] = {
  store: { values: selection.stores, multi: true },
  aisle: { values: [], multi: true, all: true, allValue },
  fleet: { values: [], multi: true, all: true, allValue },
  product: { values: selection.products, multi: true },
};

interface Check {
  truth: GroundTruth;
  series: Series[];
  intervalMs: number;
}

const sum = (values: readonly (number | null | undefined)[]) =>
  values.reduce<number>((a, v) => a + (v ?? 0), 0);
const key = (...parts: string[]) => parts.join('/');

function expectPoints(
  actual: [number, number | null][] | undefined,
  wanted: expected.Point[],
  truth: GroundTruth,
): void {
  expect(actual, 'series missing').toBeDefined();
  if (truth.exactTimestamps) expect(actual).toEqual(wanted);
  expect(sum(actual!.map(([, v]) => v))).toBeCloseTo(sum(wanted.map(([, v]) => v)), 9);
}

function expectRatios(actual: Map<string, [number, number | null][]>, wanted: Map<string, number>): void {
  expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
  for (const [k, ratio] of wanted) expect(actual.get(k)?.[0]?.[1], k).toBeCloseTo(ratio, 9);
}

/** Per bucket (b ≥ 1): non_negative_difference of the bucket values, scaled by `per`. */
function differences(values: (number | undefined)[], starts: number[], per = 1): expected.Point[] {
  return expected.nonNegativeDifference(starts, values).map(([t, v]) => [t, v / per]);
}

const checks: Record<string, (c: Check) => void> = {
  'Product activity': ({ truth, series }) => {
    const actual = byTags(series, 'product_id');
    const wanted = expected.productActivity(truth);
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    if (truth.exactTimestamps) {
      for (const [product, points] of wanted) expectPoints(actual.get(product), points, truth);
      return;
    }
    let total = 0;
    for (const [product, points] of expected.countPointsPerProduct(truth)) {
      const activity = sum(actual.get(product)!.map(([, v]) => v));
      expect(activity, product).toBeGreaterThanOrEqual(0);
      expect(activity, product).toBeLessThanOrEqual(points);
      total += activity;
    }
    expect(total).toBeGreaterThan(0);
  },
  'Pick-ups and put-backs per minute': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'product_id', 'kind');
    const wanted = expected.itemsPerBucket(truth, selection, ['pickup', 'putback'], intervalMs, (i) =>
      key(i.shelf.product_id, i.kind),
    );
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    const perMinute = 60_000 / intervalMs;
    for (const [k, points] of wanted)
      expectPoints(
        actual.get(k),
        points.map(([t, v]) => [t, v * perMinute]),
        truth,
      );
  },
  'Put-back ratio per product (time range)': ({ truth, series }) =>
    expectRatios(
      byTags(series, 'product_id'),
      expected.putbackRatio(truth, selection, (i) => i.shelf.product_id),
    ),
  'Put-back ratio over time': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'product_id');
    const picked = expected.itemsPerBucket(
      truth,
      selection,
      ['pickup'],
      intervalMs,
      (i) => i.shelf.product_id,
    );
    const putBack = expected.itemsPerBucket(
      truth,
      selection,
      ['putback'],
      intervalMs,
      (i) => i.shelf.product_id,
    );
    expect([...actual.keys()].sort()).toEqual([...picked.keys()].sort());
    if (!truth.exactTimestamps) return;
    for (const [product, points] of picked) {
      const wanted = points
        .filter(([, v]) => v > 0)
        .map(([t, v]) => [t, (putBack.get(product)?.find(([u]) => u === t)?.[1] ?? 0) / v]);
      const got = actual.get(product)!.filter(([, v]) => v !== null);
      expect(got.map(([t]) => t)).toEqual(wanted.map(([t]) => t));
      got.forEach(([, v], i) => expect(v).toBeCloseTo(wanted[i]![1]!, 9));
    }
  },
  'Items handled by position': ({ truth, series }) => {
    const actual = byTags(series, 'position', 'kind');
    const wanted = expected.itemsBy(truth, selection, ['pickup', 'putback'], (i) =>
      key(i.shelf.position, i.kind),
    );
    expect(new Map([...actual].map(([k, rows]) => [k, rows[0]?.[1]]))).toEqual(wanted);
  },
  'Put-back ratio by position': ({ truth, series }) =>
    expectRatios(
      byTags(series, 'position'),
      expected.putbackRatio(truth, selection, (i) => i.shelf.position),
    ),
  'Placement effect (95 % intervals)': ({ truth, series }) => {
    // Columns: time, then the table's columns in order (placementEffectColumns).
    const column = (s: (typeof series)[number], title: string) => s.values[0]?.[s.columns.indexOf(title)];
    const wanted = expected.placementEffects(truth, selection.products);
    const actual = new Map(series.map((s) => [`${s.tags?.['product_id']}/${s.tags?.['position']}`, s]));
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    // The scenario places chips at two positions: there is a rate ratio to compare.
    if (truth.exactTimestamps)
      expect([...wanted.values()].some((e) => e.ratio && e.status !== 'reference')).toBe(true);
    for (const [k, e] of wanted) {
      const s = actual.get(k)!;
      // Events and statuses are exact in both sources: the bridge derives every change.
      expect(column(s, 'pick-ups'), k).toBe(e.pickups);
      expect(column(s, 'effect'), k).toBe(e.status);
      expect(column(s, 'put-back effect'), k).toBe(e.putbackStatus);
      if (!truth.exactTimestamps) continue;
      // Exposure is time on the shelf: exact only where points carry the ground truth's times.
      const numbers: [string, number | undefined][] = [
        ['rate ratio', e.ratio?.estimate],
        ['ratio 95% low', e.ratio?.lower],
        ['ratio 95% high', e.ratio?.upper],
        ['hours on shelf', e.exposureHours],
        ['put-back ratio', e.putbackRatio?.estimate],
        ['put-back 95% low', e.putbackRatio?.lower],
        ['put-back 95% high', e.putbackRatio?.upper],
      ];
      for (const [title, value] of numbers)
        if (value === undefined) expect(column(s, title), `${k} ${title}`).toBeNull();
        else expect(column(s, title) as number, `${k} ${title}`).toBeCloseTo(value, 9);
    }
  },
  'Empty shelves': ({ truth, series }) => {
    const empty = [...expected.finalCounts(truth, selection).values()].filter((count) => count === 0).length;
    expect(empty).toBeGreaterThan(0);
    expect(series[0]?.values[0]?.[1]).toBe(empty);
  },
  'Stock per shelf': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'device_id');
    const wanted = expected.stockPerShelf(truth, selection, intervalMs);
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    for (const [device, points] of wanted) {
      if (truth.exactTimestamps) expect(actual.get(device)).toEqual(points);
      expect(actual.get(device)!.at(-1)?.[1]).toBe(expected.finalCounts(truth, selection).get(device));
    }
  },
  'Restocks per product': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'product_id');
    const wanted = expected.itemsPerBucket(
      truth,
      selection,
      ['restock'],
      intervalMs,
      (i) => i.shelf.product_id,
      () => 1,
    );
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    for (const [product, points] of wanted) expectPoints(actual.get(product), points, truth);
  },
  'Devices registered': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'fleet');
    const wanted = expected.reportPerBucket(
      truth,
      truth.fleetReports,
      intervalMs,
      (r) => r.fleet,
      (r) => r.devices_registered,
      'last',
    );
    const starts = expected.bucketStarts(truth, intervalMs);
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    for (const [fleet, values] of wanted) {
      const filled = expected.fillPrevious(values);
      const points = starts.flatMap((t, i): expected.Point[] =>
        filled[i] === undefined ? [] : [[t, filled[i]!]],
      );
      if (truth.exactTimestamps) expect(actual.get(fleet)).toEqual(points);
      expect(actual.get(fleet)!.at(-1)?.[1]).toBe(points.at(-1)?.[1]);
    }
  },
  'Notification rate': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'fleet');
    const starts = expected.bucketStarts(truth, intervalMs);
    const wanted = expected.reportPerBucket(
      truth,
      truth.fleetReports,
      intervalMs,
      (r) => r.fleet,
      (r) => r.notifications_total,
      'max',
    );
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    for (const [fleet, values] of wanted) {
      const rates = actual.get(fleet)!.filter(([, v]) => v !== null);
      const points = differences(values, starts, intervalMs / 1000);
      if (truth.exactTimestamps) expect(rates.map(([t]) => t)).toEqual(points.map(([t]) => t));
      // The rates integrate to the notifications counted between the first and the last report.
      const defined = values.filter((v) => v !== undefined);
      expect(sum(rates.map(([, v]) => v)) * (intervalMs / 1000)).toBeCloseTo(
        defined.at(-1)! - defined[0]!,
        6,
      );
    }
  },
  'Bridge write errors': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'pod', 'sink');
    const starts = expected.bucketStarts(truth, intervalMs);
    const wanted = expected.reportPerBucket(
      truth,
      truth.sinkReports,
      intervalMs,
      (r) => key(r.pod, r.sink),
      (r) => r.write_errors_total,
      'max',
    );
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    for (const [k, values] of wanted) expectPoints(actual.get(k), differences(values, starts), truth);
  },
  'Bridge buffer depth': ({ truth, series, intervalMs }) => {
    const actual = byTags(series, 'pod', 'sink');
    const wanted = expected.reportPerBucket(
      truth,
      truth.sinkReports,
      intervalMs,
      (r) => key(r.pod, r.sink),
      (r) => r.buffer_depth,
      'max',
    );
    expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
    for (const [k, values] of wanted) {
      expect(Math.max(...actual.get(k)!.map(([, v]) => v ?? 0))).toBe(Math.max(...values.map((v) => v ?? 0)));
      if (truth.exactTimestamps)
        expect(actual.get(k)!.map(([, v]) => v)).toEqual(
          expected.fillPrevious(values).filter((v) => v !== undefined),
        );
    }
  },
};

const panels: { dashboard: string; panel: Panel; target: InfluxTarget }[] = Object.entries(
  buildDashboards(),
).flatMap(([name, dashboard]: [string, Dashboard]) =>
  (dashboard.panels ?? []).flatMap((panel) =>
    'targets' in panel
      ? (panel.targets ?? []).map((target) => ({ dashboard: name, panel, target: target as InfluxTarget }))
      : [],
  ),
);

const sources: [string, DataSource][] = [
  ['scenario', scenarioSource],
  ['pipeline', pipelineSource],
];

describe.each(sources)('dashboard panels against the real InfluxDB (%s)', (name, source) => {
  const db = `dashboards_panels_${name}_${process.pid}`;
  let truth: GroundTruth;
  beforeAll(async () => {
    truth = await source({ url: env.influx.url, db });
    const kinds = Object.groupBy(truth.interactions, (i) => i.kind);
    console.log(
      `[panels ${name}] ${truth.shelves.length} shelves, ${truth.readings.length} readings, ` +
        `${Object.entries(kinds)
          .map(([k, v]) => `${v!.length} ${k}`)
          .join(', ')}, ` +
        `${truth.fleetReports.length} fleet and ${truth.sinkReports.length} sink reports, ` +
        `${((truth.toMs - truth.fromMs) / 1000).toFixed(1)} s`,
    );
  });

  it('has a ground-truth check for every panel', () => {
    expect(panels.map((p) => p.panel.title).sort()).toEqual(Object.keys(checks).sort());
  });

  it.each(panels.map((p) => [`${p.dashboard} / ${p.panel.title}`, p] as const))(
    '%s',
    async (_, { panel, target }) => {
      const context: QueryContext = {
        fromMs: truth.fromMs,
        toMs: truth.toMs,
        minInterval: panel.interval,
        variables,
      };
      const query = interpolate(target.query, context);
      expect(query, 'a macro or variable was left').not.toMatch(/\$\w|\$\{/);
      const series = await runInfluxQL(env.influx.url, db, query);
      expect(series.length).toBeGreaterThan(0);
      checks[panel.title!]!({ truth, series, intervalMs: intervalMs(context) });
    },
  );
});
