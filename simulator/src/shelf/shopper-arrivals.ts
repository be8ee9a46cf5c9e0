// Shoppers passing a shelf: a non-homogeneous Poisson process whose rate follows
// the daily profile, drawn by thinning (candidates at the peak rate, each kept
// with probability rate(t) / peak rate).
import type { Random } from './random.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Hour of the simulated day (0–23); the simulated clock is the store's local time. */
export function hourOfDay(timeMs: number): number {
  return Math.floor((((timeMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

export class ShopperArrivals {
  private readonly perHour: readonly number[];
  private readonly peakPerMs: number;
  private readonly random: Random;

  /** shoppersPerHour is the rate at profile weight 1. */
  constructor(shoppersPerHour: number, dailyProfile: readonly number[], random: Random) {
    this.perHour = dailyProfile.map((w) => w * shoppersPerHour);
    this.peakPerMs = Math.max(0, ...this.perHour) / HOUR_MS;
    this.random = random;
  }

  /** Expected shoppers between two simulated instants (for tests and docs). */
  expected(fromMs: number, toMs: number): number {
    let total = 0;
    for (let t = fromMs; t < toMs;) {
      const end = Math.min(toMs, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
      total += ((this.perHour[hourOfDay(t)] ?? 0) * (end - t)) / HOUR_MS;
      t = end;
    }
    return total;
  }

  /** The next arrival strictly after `afterMs`, or Infinity when nobody ever comes. */
  next(afterMs: number): number {
    if (this.peakPerMs === 0) return Infinity;
    let t = afterMs;
    for (;;) {
      t += this.random.exponential(1 / this.peakPerMs);
      const rate = (this.perHour[hourOfDay(t)] ?? 0) / HOUR_MS;
      if (this.random.float() * this.peakPerMs < rate) return t;
    }
  }
}
