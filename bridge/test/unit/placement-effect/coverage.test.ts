// The estimator against the shopper model's own settings: with attractiveness
// end cap 1.6, low 0.4, eye level 1.0 and putBackProbability 0.3, the 95 %
// intervals must contain those values in about 95 % of seeded runs, and get
// narrower as runs get longer. The stream is the model's own (no network), so
// hundreds of runs take seconds.
import { describe, expect, it } from 'vitest';
import { estimatePlacementEffects, type PlacementEffect } from '../../../src/placement-effect/estimate.ts';
import { exposureCells } from '../../../src/placement-effect/exposure.ts';
import type { Interval } from '../../../src/placement-effect/intervals.ts';
import { configured, shopperStream } from './shopper-stream.ts';

const seeds = 300;
const days = 3;

function estimate(seed: number, runDays: number): PlacementEffect[] {
  const stream = shopperStream(seed, runDays);
  return estimatePlacementEffects(exposureCells(stream.counts, stream.events, [], stream.endMs));
}

const contains = (i: Interval | undefined, value: number) =>
  i !== undefined && i.lower <= value && value <= i.upper;

/**
 * Whether `hits` of `n` independent intervals is a plausible result for a
 * true coverage of 95 %: the hit count is Binomial(n, 0.95), so the observed
 * share has standard error sqrt(0.95 · 0.05 / n) (0.0089 for n = 600). The
 * band is ±3.29 standard errors (99.9 %): a correct method fails it once in a
 * thousand runs of this test, while a method whose real coverage is 90 % or
 * 99 % falls outside it.
 */
function expectCoverage(what: string, hits: number, n: number): void {
  const se = Math.sqrt((0.95 * 0.05) / n);
  const share = hits / n;
  console.log(
    `[coverage] ${what}: ${hits}/${n} = ${share.toFixed(3)} (band 0.95 ± ${(3.29 * se).toFixed(3)})`,
  );
  expect(share, what).toBeGreaterThanOrEqual(0.95 - 3.29 * se);
  expect(share, what).toBeLessThanOrEqual(0.95 + 3.29 * se);
}

describe('placement effect recovers the shopper model settings', () => {
  it(`95 % intervals contain the configured values in about 95 % of ${seeds} seeded runs`, () => {
    // Quantity → [hits, trials]; shelves are independent streams, so intervals of different shelves are independent trials.
    const tally = new Map<string, [number, number]>();
    const count = (what: string, hit: boolean) => {
      const t = tally.get(what) ?? [0, 0];
      tally.set(what, [t[0] + (hit ? 1 : 0), t[1] + 1]);
    };
    for (let seed = 1; seed <= seeds; seed++) {
      for (const e of estimate(seed, days)) {
        const scope = e.productId === '(all)' ? 'pooled' : 'per product';
        if (e.position !== 'eye-level') {
          expect(e.status, `${e.productId} ${e.position}`).toMatch(/higher|lower/);
          const truth = configured.attractiveness[e.position as 'end-cap' | 'low'];
          count(`${scope} ${e.position} rate ratio`, contains(e.ratio, truth));
          if (scope === 'per product')
            count(`put-back effect ${e.position} (true 1)`, contains(e.putbackEffect, 1));
        }
        if (scope === 'per product')
          count('put-back ratio', contains(e.putbackRatio, configured.putBackProbability));
      }
    }
    expect([...tally.keys()].sort()).toEqual([
      'per product end-cap rate ratio',
      'per product low rate ratio',
      'pooled end-cap rate ratio',
      'pooled low rate ratio',
      'put-back effect end-cap (true 1)',
      'put-back effect low (true 1)',
      'put-back ratio',
    ]);
    for (const [what, [hits, n]] of tally) expectCoverage(what, hits, n);
  });

  it('intervals narrow as the run lengthens (width ~ 1/sqrt(events): four times the days, half the width)', () => {
    const logWidth = (runDays: number) => {
      let total = 0;
      let n = 0;
      for (let seed = 1; seed <= 20; seed++)
        for (const e of estimate(seed, runDays))
          if (e.ratio && e.position !== 'eye-level') {
            total += Math.log(e.ratio.upper / e.ratio.lower);
            n++;
          }
      return total / n;
    };
    const short = logWidth(2);
    const long = logWidth(8);
    console.log(
      `[coverage] mean log width of rate-ratio intervals: 2 days ${short.toFixed(3)}, 8 days ${long.toFixed(3)}`,
    );
    expect(long / short).toBeGreaterThan(0.4);
    expect(long / short).toBeLessThan(0.6);
  });
});
