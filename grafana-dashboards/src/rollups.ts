// Which data a panel reads, by Grafana's $__interval: raw points for short
// ranges, the chart's hourly rollups (charts/shelfpulse/templates/influxdb/
// retention.yaml) for long ones. A panel carries one target per tier; each
// target's WHERE holds its interval band (`$__interval_ms <= 60000`…), which
// InfluxDB folds to true or false before it reads anything, so exactly one
// target returns data. The rollup is read with a GROUP BY time of at least an
// hour, so its buckets nest in the panel's and totals equal those of raw points.

export interface Tier {
  /** Suffix of the target's refId. */
  name: 'raw' | 'rollup' | 'rollup-coarse' | 'rollup-wide';
  /** The retention policy; undefined: the database's default (raw points, where the bridge writes). */
  retentionPolicy: string | undefined;
  /** This tier's band of $__interval, as InfluxQL conditions. */
  band: string[];
  /** GROUP BY time(…) of this tier's time series, and its length in ms as InfluxQL text. */
  groupBy: string;
  groupByMs: string;
}

/** The hourly rollup's retention policy (retention.yaml). */
export const rollupRetentionPolicy = 'rollup_1h';

const minuteMs = 60_000;
const hourMs = 3_600_000;

/**
 * Raw points while the interval is at most a minute (~16 h on a 1,000 px panel).
 * Beyond, hourly rollups, grouped by at least an hour (Grafana's steps between a
 * minute and an hour are not multiples of an hour): by 1 h up to a 10-minute
 * interval (~1 week), by 6 h below a 6-hour interval (a month: 120 points per
 * series, which keeps a 30-day query under a second, bench/README.md), then by
 * the interval itself (6 h, 12 h, 1 d, …: all multiples of an hour).
 */
export const tiers: readonly Tier[] = [
  {
    name: 'raw',
    retentionPolicy: undefined,
    band: [`$__interval_ms <= ${minuteMs}`],
    groupBy: '$__interval',
    groupByMs: '$__interval_ms',
  },
  {
    name: 'rollup',
    retentionPolicy: rollupRetentionPolicy,
    band: [`$__interval_ms > ${minuteMs}`, `$__interval_ms <= ${10 * minuteMs}`],
    groupBy: '1h',
    groupByMs: String(hourMs),
  },
  {
    name: 'rollup-coarse',
    retentionPolicy: rollupRetentionPolicy,
    band: [`$__interval_ms > ${10 * minuteMs}`, `$__interval_ms < ${6 * hourMs}`],
    groupBy: '6h',
    groupByMs: String(6 * hourMs),
  },
  {
    name: 'rollup-wide',
    retentionPolicy: rollupRetentionPolicy,
    band: [`$__interval_ms >= ${6 * hourMs}`],
    groupBy: '$__interval',
    groupByMs: '$__interval_ms',
  },
];

/** The tier whose band holds an interval (what InfluxDB's folding of the band conditions picks). */
export function tierFor(intervalMs: number): Tier {
  if (intervalMs <= minuteMs) return tiers[0]!;
  if (intervalMs <= 10 * minuteMs) return tiers[1]!;
  return intervalMs < 6 * hourMs ? tiers[2]! : tiers[3]!;
}

/** Count fields of the rollup (retention.yaml): the raw count per hour, summed by the dashboards. */
export const rollupFields = {
  /** shelf_event: raw events in the hour. */
  events: 'events',
  /** product_count: raw count points (count changes) in the hour. */
  changes: 'changes',
} as const;
