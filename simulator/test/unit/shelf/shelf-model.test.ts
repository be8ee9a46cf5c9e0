// The shopper model against its configuration, with fixed seeds and no sockets.
import { describe, expect, it } from 'vitest';
import { BehaviourSchema } from '@shelfpulse/core/api/behaviour';
import { PlacementSchema } from '@shelfpulse/core/api/placement';
import type { ShelfEvent } from '../../../src/shelf/ground-truth.ts';
import { Random } from '../../../src/shelf/random.ts';
import { ShelfModel, type ShelfModelOptions } from '../../../src/shelf/shelf-model.ts';
import { ShopperArrivals } from '../../../src/shelf/shopper-arrivals.ts';

const DAY_MS = 86_400_000;
const start = Date.UTC(2026, 0, 5); // a Monday, 00:00 simulated store time

function run(options: ShelfModelOptions, untilMs: number): { model: ShelfModel; events: ShelfEvent[] } {
  const model = new ShelfModel(options);
  const events: ShelfEvent[] = [];
  for (let e = model.next(untilMs); e; e = model.next(untilMs)) events.push(e);
  return { model, events };
}

describe('ShelfModel statistics (fixed seeds)', () => {
  // Flat traffic so the shelf sees many shoppers; fast restocks so it is rarely empty.
  const behaviour = BehaviourSchema.parse({
    shoppersPerHour: 600,
    dailyProfile: Array(24).fill(1),
    handleProbability: 0.25,
    putBackProbability: 0.3,
    restockDelaySecondsMean: 60,
  });
  const placement = PlacementSchema.parse({
    productId: 'soap',
    position: 'eye-level',
    capacity: 40,
    restockThreshold: 8,
  });

  it('handling rate and put-back ratio are within tolerance over >10,000 shoppers', () => {
    const { model, events } = run(
      { behaviour, placement, seed: 7, shelf: 0, startMs: start },
      start + 2 * DAY_MS,
    );
    const s = model.stats;
    expect(s.shoppers).toBeGreaterThan(10_000);
    // Tolerances are about 4.5 standard deviations of the binomial estimate:
    // handling ±0.02 (sd ≈ 0.0036 at n ≈ 28,800), put-back ±0.04 (sd ≈ 0.0054 at n ≈ 7,200).
    expect(Math.abs(s.wantedToHandle / s.shoppers - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(s.putBackShoppers / s.handled - 0.3)).toBeLessThan(0.04);
    // The ground truth agrees with the counters.
    expect(events.filter((e) => e.kind === 'pickup')).toHaveLength(s.handled);
    expect(events.filter((e) => e.kind === 'putback').length).toBe(s.putBackShoppers);
  });

  it('placement attractiveness scales the handling rate (low = 0.45 × eye level)', () => {
    const low = { ...placement, position: 'low' as const };
    const { model } = run(
      { behaviour, placement: low, seed: 11, shelf: 3, startMs: start },
      start + 2 * DAY_MS,
    );
    expect(model.handleProbability).toBeCloseTo(0.1125);
    expect(Math.abs(model.stats.wantedToHandle / model.stats.shoppers - 0.1125)).toBeLessThan(0.015);
    const custom = BehaviourSchema.parse({ ...behaviour, attractiveness: { low: 2 } });
    expect(
      new ShelfModel({ behaviour: custom, placement: low, seed: 1, shelf: 0, startMs: start })
        .handleProbability,
    ).toBe(0.5);
  });

  it('arrivals follow the daily profile (default curve: evening peak vs night)', () => {
    const defaults = BehaviourSchema.parse({ shoppersPerHour: 400 });
    const model = new ShelfModel({ behaviour: defaults, placement, seed: 3, shelf: 0, startMs: start });
    const expectedPerDay = new ShopperArrivals(400, defaults.dailyProfile, new Random(0)).expected(
      start,
      start + DAY_MS,
    );
    expect(expectedPerDay).toBeCloseTo(defaults.dailyProfile.reduce((a, b) => a + b, 0) * 400);
    let night = 0;
    let peak = 0;
    let shoppers = 0;
    for (let day = 0; day < 3; day++) {
      for (let hour = 0; hour < 24; hour++) {
        const endOfHour = start + day * DAY_MS + (hour + 1) * 3_600_000 - 1;
        while (model.next(endOfHour));
        const inHour = model.stats.shoppers - shoppers;
        shoppers = model.stats.shoppers;
        if (hour === 3) night += inHour;
        if (hour === 18) peak += inHour;
      }
    }
    // 3 days ≈ 3 × 4,328 shoppers; Poisson sd ≈ 114, tolerance 4 %.
    expect(Math.abs(shoppers / (3 * expectedPerDay) - 1)).toBeLessThan(0.04);
    expect(peak / 3).toBeGreaterThan(340); // expected 400 (profile 1.0 at 18:00)
    expect(night / 3).toBeLessThan(20); // expected 8 (profile 0.02 at 03:00)
  });

  it('restocks are never put-backs: every put-back returns items its own shopper picked up', () => {
    const { events } = run({ behaviour, placement, seed: 99, shelf: 5, startMs: start }, start + DAY_MS);
    const held = new Map<number, number>();
    let count = placement.capacity;
    let restocks = 0;
    for (const e of events) {
      if (e.kind === 'pickup') {
        expect(e.shopper).toBeDefined();
        held.set(e.shopper ?? -1, e.items);
        expect(e.count).toBe(count - e.items);
      } else if (e.kind === 'putback') {
        const had = held.get(e.shopper ?? -1);
        expect(had).toBeGreaterThanOrEqual(e.items);
        held.delete(e.shopper ?? -1);
        expect(e.count).toBe(count + e.items);
      } else {
        restocks++;
        expect(e.shopper).toBeUndefined();
        expect(count).toBeLessThan(placement.restockThreshold);
        expect(e.count).toBe(placement.capacity);
        expect(e.items).toBeGreaterThan(placement.capacity - placement.restockThreshold);
      }
      count = e.count;
      expect(count).toBeGreaterThanOrEqual(0);
    }
    expect(restocks).toBeGreaterThan(10);
  });

  it('picks up k items with the configured weights', () => {
    const weights = BehaviourSchema.parse({
      ...behaviour,
      pickupItemWeights: [0.5, 0.3, 0.2],
      restockDelaySecondsMean: 0,
    });
    const roomy = { ...placement, capacity: 1000, restockThreshold: 10 };
    const { events } = run(
      { behaviour: weights, placement: roomy, seed: 5, shelf: 0, startMs: start },
      start + 2 * DAY_MS,
    );
    const pickups = events.filter((e) => e.kind === 'pickup');
    expect(pickups.length).toBeGreaterThan(5_000);
    for (const [k, w] of [
      [1, 0.5],
      [2, 0.3],
      [3, 0.2],
    ] as const) {
      expect(Math.abs(pickups.filter((e) => e.items === k).length / pickups.length - w)).toBeLessThan(0.03);
    }
  });

  it('is deterministic: same seed, same events; another seed or shelf, other events', () => {
    const opts = { behaviour, placement, seed: 42, shelf: 1, startMs: start };
    const a = run(opts, start + 3_600_000 * 6).events;
    expect(a.length).toBeGreaterThan(100);
    expect(run(opts, start + 3_600_000 * 6).events).toEqual(a);
    expect(run({ ...opts, seed: 43 }, start + 3_600_000 * 6).events).not.toEqual(a);
    expect(run({ ...opts, shelf: 2 }, start + 3_600_000 * 6).events).not.toEqual(a);
    // Asking in small steps gives the same sequence as asking once.
    const stepped = new ShelfModel(opts);
    const b: ShelfEvent[] = [];
    for (let t = start; t <= start + 3_600_000 * 6; t += 7_000) {
      for (let e = stepped.next(t); e; e = stepped.next(t)) b.push(e);
    }
    expect(b).toEqual(a.filter((e) => e.timeMs <= b.at(-1)!.timeMs));
  });

  it('stays quiet when nobody shops', () => {
    const none = BehaviourSchema.parse({ shoppersPerHour: 0 });
    const model = new ShelfModel({ behaviour: none, placement, seed: 1, shelf: 0, startMs: start });
    expect(model.next(start + DAY_MS)).toBeUndefined();
    expect(model.timeMs).toBe(start + DAY_MS);
  });
});
