import { describe, expect, it } from 'vitest';
import { estimatePlacementEffects, type PlacementEffect } from '../../../src/placement-effect/estimate.ts';
import { exposureCells, type Cell } from '../../../src/placement-effect/exposure.ts';
import { proportionRatio, wilson, z95 } from '../../../src/placement-effect/intervals.ts';
import { fitPoissonGlm } from '../../../src/placement-effect/poisson-glm.ts';

const cell = (c: Partial<Cell> & Pick<Cell, 'position' | 'exposureHours' | 'pickups'>): Cell => ({
  productId: 'cola',
  fleet: 'shop/a',
  hour: 10,
  putbacks: 0,
  ...c,
});
const row = (rows: PlacementEffect[], productId: string, position: string) =>
  rows.find((r) => r.productId === productId && r.position === position)!;

describe('Poisson GLM', () => {
  it('two groups: the rate ratio is the ratio of rates, se(log) = sqrt(1/a + 1/b)', () => {
    const fit = fitPoissonGlm(
      [
        [1, 0],
        [1, 1],
      ],
      [100, 40],
      [10, 10],
    );
    expect(fit.converged).toBe(true);
    expect(Math.exp(fit.beta[1]!)).toBeCloseTo(0.4, 10);
    expect(fit.se[1]).toBeCloseTo(Math.sqrt(1 / 100 + 1 / 40), 8);
  });

  it('marks a column that repeats an earlier one as aliased instead of failing', () => {
    const fit = fitPoissonGlm(
      [
        [1, 1, 1],
        [1, 0, 0],
      ],
      [10, 20],
      [1, 1],
    );
    expect(fit.aliased).toEqual([false, false, true]);
    expect(fit.beta[2]).toBeNaN();
    expect(Math.exp(fit.beta[1]!)).toBeCloseTo(0.5, 10);
  });
});

describe('intervals', () => {
  it('Wilson interval of 3 of 10 (a textbook value)', () => {
    const i = wilson(3, 10)!;
    expect(i.lower).toBeCloseTo(0.1078, 4);
    expect(i.upper).toBeCloseTo(0.6032, 4);
    expect(wilson(0, 0)).toBeUndefined();
  });

  it('ratio of proportions needs a success on each side', () => {
    expect(proportionRatio(0, 10, 3, 10)).toBeUndefined();
    const r = proportionRatio(20, 100, 10, 100)!;
    expect(r.estimate).toBeCloseTo(2, 12);
    expect(Math.log(r.upper / r.estimate)).toBeCloseTo(
      z95 * Math.sqrt(1 / 20 - 1 / 100 + 1 / 10 - 1 / 100),
      12,
    );
  });
});

describe('placement effects', () => {
  it('adjusts for hour of day: a position held only in a quiet hour is not blamed for the quiet', () => {
    // Hour 10 is five times as busy as hour 3. Eye level is there in both; low only at 3, at half eye level's rate.
    const rows = estimatePlacementEffects(
      [
        cell({ position: 'eye-level', hour: 10, exposureHours: 10, pickups: 400 }),
        cell({ position: 'eye-level', hour: 3, exposureHours: 10, pickups: 80 }),
        cell({ position: 'low', hour: 3, exposureHours: 10, pickups: 40 }),
      ],
      { reference: 'eye-level', minEvents: 5 },
    );
    const low = row(rows, 'cola', 'low');
    // Raw rates would say 1 / 6; the model compares within the hour.
    expect(low.rate!.estimate / row(rows, 'cola', 'eye-level').rate!.estimate).toBeCloseTo(1 / 6, 10);
    expect(low.ratio!.estimate).toBeCloseTo(0.5, 8);
    expect(low.status).toBe('lower');
  });

  it('an interval that spans 1 is not-distinguishable, never a winner', () => {
    const rows = estimatePlacementEffects(
      [
        cell({ position: 'eye-level', exposureHours: 10, pickups: 30 }),
        cell({ position: 'end-cap', exposureHours: 10, pickups: 36 }),
      ],
      { reference: 'eye-level', minEvents: 20 },
    );
    const endCap = row(rows, 'cola', 'end-cap');
    expect(endCap.ratio!.estimate).toBeCloseTo(1.2, 8);
    expect(endCap.ratio!.lower).toBeLessThan(1);
    expect(endCap.status).toBe('not-distinguishable');
    expect(row(rows, 'cola', 'eye-level').status).toBe('reference');
  });

  it('says too-little-data, no-reference and not-estimable when it cannot say more', () => {
    const rows = estimatePlacementEffects(
      [
        cell({ position: 'eye-level', exposureHours: 10, pickups: 50, fleet: 'shop/a' }),
        cell({ position: 'low', exposureHours: 10, pickups: 3, fleet: 'shop/a' }),
        cell({ productId: 'soap', position: 'end-cap', exposureHours: 10, pickups: 50, fleet: 'shop/a' }),
        // Chips sit at end cap only in fleet b, which has nothing else: the pooled
        // end-cap effect cannot be told apart from fleet b's traffic.
        cell({ productId: 'chips', position: 'end-cap', exposureHours: 10, pickups: 80, fleet: 'shop/b' }),
        cell({ productId: 'chips', position: 'eye-level', exposureHours: 10, pickups: 40, fleet: 'shop/a' }),
      ],
      { reference: 'eye-level', minEvents: 20 },
    );
    expect(row(rows, 'cola', 'low').status).toBe('too-little-data');
    expect(row(rows, 'cola', 'low').ratio).toBeUndefined();
    expect(row(rows, 'soap', 'end-cap').status).toBe('no-reference');
    expect(row(rows, 'chips', 'end-cap').status).toBe('higher');
    const pooled = row(rows, '(all)', 'end-cap');
    expect(pooled.status).toBe('not-estimable');
    expect(pooled.ratio).toBeUndefined();
  });
});

describe('exposure', () => {
  const h = 3_600_000;
  const t0 = Date.UTC(2026, 0, 5, 9);
  const base = { deviceId: 'd1', fleet: 'shop/a', productId: 'cola' };

  it('counts time with items on the shelf, split by hour, and follows a placement change', () => {
    const cells = exposureCells(
      [
        { ...base, position: 'eye-level', timeMs: t0, count: 5 },
        { ...base, position: 'eye-level', timeMs: t0 + 0.5 * h, count: 0 }, // empty for half an hour
        { ...base, position: 'eye-level', timeMs: t0 + 1 * h, count: 10 },
      ],
      [
        { ...base, position: 'eye-level', timeMs: t0 + 0.5 * h, kind: 'pickup' },
        { ...base, position: 'low', timeMs: t0 + 2.5 * h, kind: 'pickup' },
        { ...base, position: 'low', timeMs: t0 + 2.6 * h, kind: 'putback' },
      ],
      // Moved to low at 11:30 without a count change.
      [{ timeMs: t0 + 2.5 * h - 1, fleet: 'shop/a', productId: 'cola', position: 'low', placed: true }],
      t0 + 3 * h,
    );
    const at = (position: string, hour: number) =>
      cells.find((c) => c.position === position && c.hour === hour);
    expect(at('eye-level', 9)).toMatchObject({ exposureHours: 0.5, pickups: 1 });
    expect(at('eye-level', 10)?.exposureHours).toBeCloseTo(1, 12);
    expect(at('eye-level', 11)?.exposureHours).toBeCloseTo(0.5 - 1 / h, 12);
    expect(at('low', 11)).toMatchObject({ pickups: 1, putbacks: 1 });
    expect(at('low', 11)?.exposureHours).toBeCloseTo(0.5 + 1 / h, 12);
  });

  it('a move written as "left" and "placed" at one time moves the exposure at that time', () => {
    const cells = exposureCells(
      [{ ...base, position: 'eye-level', timeMs: t0, count: 5 }],
      [],
      [
        { timeMs: t0 + h / 2, fleet: 'shop/a', productId: 'cola', position: 'end-cap', placed: true },
        { timeMs: t0 + h / 2, fleet: 'shop/a', productId: 'cola', position: 'eye-level', placed: false },
        // Another fleet's move says nothing about this shelf.
        { timeMs: t0 + h / 4, fleet: 'shop/b', productId: 'cola', position: 'low', placed: true },
      ],
      t0 + h,
    );
    expect(cells.map((c) => [c.position, c.exposureHours])).toEqual([
      ['eye-level', 0.5],
      ['end-cap', 0.5],
    ]);
  });

  it('a point and a move before the window set the state at its start; only the window counts', () => {
    const cells = exposureCells(
      [{ ...base, position: 'eye-level', timeMs: t0 - 2 * h, count: 5 }],
      [
        { ...base, position: 'eye-level', timeMs: t0 - 1.5 * h, kind: 'pickup' },
        { ...base, position: 'low', timeMs: t0 + h / 2, kind: 'pickup' },
      ],
      [{ timeMs: t0 - h, fleet: 'shop/a', productId: 'cola', position: 'low', placed: true }],
      t0 + h,
      t0,
    );
    expect(cells).toEqual([
      {
        productId: 'cola',
        position: 'low',
        fleet: 'shop/a',
        hour: 9,
        exposureHours: 1,
        pickups: 1,
        putbacks: 0,
      },
    ]);
  });

  it('a product taken out of the placements stops counting; events before the first point do not count', () => {
    const cells = exposureCells(
      [{ ...base, position: 'eye-level', timeMs: t0, count: 5 }],
      [{ ...base, position: 'eye-level', timeMs: t0 - 1, kind: 'pickup' }],
      [{ timeMs: t0 + h / 4, fleet: 'shop/a', productId: 'cola', position: 'eye-level', placed: false }],
      t0 + h,
    );
    expect(cells).toEqual([
      {
        productId: 'cola',
        position: 'eye-level',
        fleet: 'shop/a',
        hour: 9,
        exposureHours: 0.25,
        pickups: 0,
        putbacks: 0,
      },
    ]);
  });
});

describe('placement_effect points', () => {
  it('carry the interval and status, and leave out what could not be estimated', async () => {
    const { effectLine } = await import('../../../src/placement-effect-job.ts');
    const rows = estimatePlacementEffects(
      [
        cell({ position: 'eye-level', exposureHours: 10, pickups: 100, putbacks: 30 }),
        cell({ position: 'low', exposureHours: 10, pickups: 40, putbacks: 10 }),
        cell({ position: 'top', exposureHours: 2, pickups: 3, putbacks: 0 }),
      ],
      { reference: 'eye-level', minEvents: 20 },
    );
    const low = effectLine(row(rows, 'cola', 'low'), 168, 1_000_000);
    expect(low).toMatch(
      /^placement_effect,position=low,product_id=cola,reference=eye-level ratio=0\.4\d*,lower=0\.2\d*,upper=0\.5\d*,status="lower",events=40i,putbacks=10i,exposure_hours=10,rate_per_hour=4,putback_ratio=0\.25,putback_lower=[\d.]+,putback_upper=[\d.]+,putback_effect=0\.83\d*,putback_effect_lower=[\d.]+,putback_effect_upper=[\d.]+,putback_status="not-distinguishable",window_hours=168 1000000$/,
    );
    const top = effectLine(row(rows, 'cola', 'top'), 168, 1_000_000);
    expect(top).toContain('status="too-little-data",events=3i');
    expect(top).not.toMatch(/[ ,]ratio=/);
    expect(top).not.toContain('putback_effect=');
  });
});
