// Which data a panel reads, by Grafana's $__interval: raw points for short
// ranges, the chart's hourly rollups (charts/shelfpulse/templates/influxdb/
// retention.yaml) for long ones. A panel carries one target per tier; each
// target's WHERE holds its interval band (`$__interval_ms <= 60000`…), which
// InfluxDB folds to true or false before it reads anything, so exactly one
// target returns data. The rollup is read with a GROUP BY time of at least an
// hour, so its buckets nest in the panel's and totals equal those of raw points.

export interface Tier {
  /** Suffix of the target's refId. */
  name: 'raw' | 'rollup' | 'rollup-wide';
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

const rawUpToMs = 60_000;
const hourMs = 3_600_000;

/**
 * Raw points while the interval is at most a minute (~16 h on a 1,000 px panel).
 * Beyond, hourly rollups: grouped by 1 h until the interval reaches an hour
 * (Grafana's steps between a minute and an hour are not multiples of an hour),
 * then by the interval itself (2 h, 3 h, …, 1 d: all multiples of an hour).
 */
export const tiers: readonly Tier[] = [
  {
    name: 'raw',
    retentionPolicy: undefined,
    band: [`$__interval_ms <= ${rawUpToMs}`],
    groupBy: '$__interval',
    groupByMs: '$__interval_ms',
  },
  {
    name: 'rollup',
    retentionPolicy: rollupRetentionPolicy,
    band: [`$__interval_ms > ${rawUpToMs}`, `$__interval_ms < ${hourMs}`],
    groupBy: '1h',
    groupByMs: String(hourMs),
  },
  {
    name: 'rollup-wide',
    retentionPolicy: rollupRetentionPolicy,
    band: [`$__interval_ms >= ${hourMs}`],
    groupBy: '$__interval',
    groupByMs: '$__interval_ms',
  },
];

/** The tier whose band holds an interval (what InfluxDB's folding of the band conditions picks). */
export function tierFor(intervalMs: number): Tier {
  if (intervalMs <= rawUpToMs) return tiers[0]!;
  return intervalMs < hourMs ? tiers[1]! : tiers[2]!;
}

/** Count fields of the rollup (retention.yaml): the raw count per hour, summed by the dashboards. */
export const rollupFields = {
  /** shelf_event: raw events in the hour. */
  events: 'events',
  /** product_count: raw count points (count changes) in the hour. */
  changes: 'changes',
} as const;
