// Which data a panel reads, by Grafana's $__interval: raw points for short
// ranges, the chart's hourly rollups (charts/shelfpulse/templates/influxdb/
// retention.yaml) for longer ones, its daily rollups from about two weeks on.
// A panel carries one target per tier; each target's WHERE holds its interval
// band (`$__interval_ms <= 60000`…), which InfluxDB folds to true or false
// before it reads anything, so exactly one target returns data. A rollup is
// read with a GROUP BY time of at least its own period, so its buckets nest in
// the panel's and totals equal those of raw points.

export interface Tier {
  /** Suffix of the target's refId. */
  name: 'raw' | 'rollup' | 'rollup-coarse' | 'daily' | 'daily-wide';
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
/** The daily rollup's retention policy (retention.yaml), rolled up from the hourly one. */
export const dailyRollupRetentionPolicy = 'rollup_1d';

const minuteMs = 60_000;
const hourMs = 3_600_000;
const dayMs = 86_400_000;
/**
 * From this interval on (30 min: ranges from ~17 days on a 1,000 px panel) the
 * daily rollups answer: a month of hourly rollups is ~720 rows per series, and
 * the panels that sum a whole range read all of them (over 1 s at 1,000 shelves,
 * bench/README.md); the daily rollups hold 30.
 */
const dailyFromMs = 30 * minuteMs;

/**
 * Raw points while the interval is at most a minute (~16 h on a 1,000 px panel).
 * Beyond, hourly rollups, grouped by at least an hour (Grafana's steps between a
 * minute and an hour are not multiples of an hour): by 1 h up to a 10-minute
 * interval (~1 week), by 6 h below a 30-minute interval (~17 days). Then daily
 * rollups, grouped by a day below a 1-day interval and by the interval itself
 * beyond (1 d, 1 w, 30 d…: all multiples of a day).
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
    band: [`$__interval_ms > ${10 * minuteMs}`, `$__interval_ms < ${dailyFromMs}`],
    groupBy: '6h',
    groupByMs: String(6 * hourMs),
  },
  {
    name: 'daily',
    retentionPolicy: dailyRollupRetentionPolicy,
    band: [`$__interval_ms >= ${dailyFromMs}`, `$__interval_ms < ${dayMs}`],
    groupBy: '1d',
    groupByMs: String(dayMs),
  },
  {
    name: 'daily-wide',
    retentionPolicy: dailyRollupRetentionPolicy,
    band: [`$__interval_ms >= ${dayMs}`],
    groupBy: '$__interval',
    groupByMs: '$__interval_ms',
  },
];

/** The tier whose band holds an interval (what InfluxDB's folding of the band conditions picks). */
export function tierFor(intervalMs: number): Tier {
  if (intervalMs <= minuteMs) return tiers[0]!;
  if (intervalMs <= 10 * minuteMs) return tiers[1]!;
  if (intervalMs < dailyFromMs) return tiers[2]!;
  return intervalMs < dayMs ? tiers[3]! : tiers[4]!;
}

/** Count fields of the rollups (retention.yaml): the raw count per hour or day, summed by the dashboards. */
export const rollupFields = {
  /** shelf_event: raw events in the hour or day. */
  events: 'events',
  /** product_count: raw count points (count changes) in the hour or day. */
  changes: 'changes',
} as const;
