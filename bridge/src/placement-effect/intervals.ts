// 95 % intervals for the quantities a retailer reads: a proportion (Wilson),
// a rate (Wald on the log scale) and a ratio of two proportions (Katz's log
// method). Each returns undefined where the data cannot support one.

/** The standard normal quantile for a two-sided 95 % interval. */
export const z95 = 1.959963984540054;

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * Wilson score interval for `successes` of `trials`: unlike the plain Wald
 * interval it stays inside [0, 1] and keeps its coverage for small counts and
 * proportions near 0 or 1.
 */
export function wilson(successes: number, trials: number, z = z95): Interval | undefined {
  if (trials <= 0) return undefined;
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** Events per unit of exposure, interval exp(log rate ± z / sqrt(events)); needs an event. */
export function poissonRate(events: number, exposure: number, z = z95): Interval | undefined {
  if (events <= 0 || exposure <= 0) return undefined;
  const rate = events / exposure;
  const half = z / Math.sqrt(events);
  return { estimate: rate, lower: rate * Math.exp(-half), upper: rate * Math.exp(half) };
}

/** A ratio from a log-scale estimate and its standard error. */
export function logScaleRatio(logEstimate: number, se: number, z = z95): Interval | undefined {
  if (!Number.isFinite(logEstimate) || !Number.isFinite(se)) return undefined;
  return {
    estimate: Math.exp(logEstimate),
    lower: Math.exp(logEstimate - z * se),
    upper: Math.exp(logEstimate + z * se),
  };
}

/**
 * (x1 / n1) / (x2 / n2) with Katz's log interval,
 * se(log ratio) = sqrt(1/x1 − 1/n1 + 1/x2 − 1/n2); needs at least one success on each side.
 */
export function proportionRatio(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  z = z95,
): Interval | undefined {
  if (x1 <= 0 || x2 <= 0 || n1 <= 0 || n2 <= 0) return undefined;
  const log = Math.log(x1 / n1) - Math.log(x2 / n2);
  return logScaleRatio(log, Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2), z);
}
