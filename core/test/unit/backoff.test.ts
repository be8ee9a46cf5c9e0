// The one backoff formula every retry uses.
import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from '../../src/runtime/backoff.ts';

describe('backoff', () => {
  it('doubles up to the maximum, with half of each delay random', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, 100, 1000, () => 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, 100, 1000, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(40, 100, 1000, () => 1)).toBe(1000);
  });

  it('never waits longer than the maximum nor less than half a step, with the real random source', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const step = backoffCeiling(attempt, 100, 1000);
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt, 100, 1000);
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(Math.min(step, 1000));
      }
    }
  });

  it('stays finite however long something fails, and treats a negative attempt as the first', () => {
    expect(backoffCeiling(1e9, 200, 120_000)).toBe(120_000);
    expect(backoffCeiling(Number.MAX_SAFE_INTEGER, 1, Infinity)).toBe(2 ** 30);
    expect(backoffCeiling(-3, 200, 120_000)).toBe(200);
  });
});
