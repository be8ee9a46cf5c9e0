// What each panel should show, computed from the ground truth alone (plain
// arithmetic, no InfluxDB): InfluxQL's bucket, fill and difference semantics
// written out for the few functions the dashboards use.
import { estimatePlacementEffects, type PlacementEffect } from '@shelfpulse/bridge/placement-effect/estimate';
import {
  exposureCells,
  type CountSample,
  type EventSample,
} from '@shelfpulse/bridge/placement-effect/exposure';
import { effectRules, type GroundTruth, type Interaction, type Kind, type Shelf } from './ground-truth.ts';

export interface Selection {
  stores: string[];
  products: string[];
}

export type Point = [timeMs: number, value: number];

export function bucketStarts(truth: GroundTruth, intervalMs: number): number[] {
  const first = Math.floor(truth.fromMs / intervalMs) * intervalMs;
  const starts: number[] = [];
  for (let t = first; t <= truth.toMs; t += intervalMs) starts.push(t);
  return starts;
}

function bucketOf(timeMs: number, intervalMs: number): number {
  return Math.floor(timeMs / intervalMs) * intervalMs;
}

export function selectedShelves(truth: GroundTruth, selection: Selection): Shelf[] {
  return truth.shelves.filter(
    (s) => selection.stores.includes(s.store) && selection.products.includes(s.product_id),
  );
}

function shelfOf(truth: GroundTruth, deviceId: string): Shelf {
  const shelf = truth.shelves.find((s) => s.device_id === deviceId);
  if (!shelf) throw new Error(`unknown device ${deviceId}`);
  return shelf;
}

export function selectedInteractions(
  truth: GroundTruth,
  selection: Selection,
): (Interaction & { shelf: Shelf })[] {
  const devices = new Set(selectedShelves(truth, selection).map((s) => s.device_id));
  return truth.interactions
    .filter((i) => devices.has(i.device_id))
    .map((i) => ({ ...i, shelf: shelfOf(truth, i.device_id) }));
}

/** Every product_count point: first readings and one per interaction. */
function countPoints(truth: GroundTruth): { timeMs: number; device_id: string; count: number }[] {
  return [...truth.readings, ...truth.interactions].sort((a, b) => a.timeMs - b.timeMs);
}

/** fill(previous): an empty bucket repeats the last value; buckets before any value stay empty. */
function fillPrevious(values: (number | undefined)[]): (number | undefined)[] {
  let last: number | undefined;
  return values.map((v) => (last = v ?? last));
}

/** non_negative_difference over non-empty buckets, stamped with the later bucket. */
function nonNegativeDifference(starts: number[], values: (number | undefined)[]): Point[] {
  const out: Point[] = [];
  let previous: number | undefined;
  values.forEach((v, i) => {
    if (v === undefined) return;
    if (previous !== undefined && v - previous >= 0) out.push([starts[i]!, v - previous]);
    previous = v;
  });
  return out;
}

/** Panel 1: non_negative_difference(count("count")) per 1 s, per selected product, fill(previous). */
export function productActivity(truth: GroundTruth, selection: Selection): Map<string, Point[]> {
  const starts = bucketStarts(truth, 1000);
  const result = new Map<string, Point[]>();
  const shelves = selectedShelves(truth, selection);
  const devices = new Set(shelves.map((s) => s.device_id));
  for (const product of new Set(shelves.map((s) => s.product_id))) {
    const perBucket = new Map<number, number>();
    for (const p of countPoints(truth)) {
      if (!devices.has(p.device_id) || shelfOf(truth, p.device_id).product_id !== product) continue;
      const b = bucketOf(p.timeMs, 1000);
      perBucket.set(b, (perBucket.get(b) ?? 0) + 1);
    }
    result.set(product, nonNegativeDifference(starts, fillPrevious(starts.map((t) => perBucket.get(t)))));
  }
  return result;
}

/** Number of product_count points (first readings and interactions) per product. */
export function countPointsPerProduct(truth: GroundTruth): Map<string, number> {
  const result = new Map<string, number>();
  for (const p of countPoints(truth)) {
    const product = shelfOf(truth, p.device_id).product_id;
    result.set(product, (result.get(product) ?? 0) + 1);
  }
  return result;
}

/** Sum of items per `key` over the range. */
export function itemsBy(
  truth: GroundTruth,
  selection: Selection,
  kinds: Kind[],
  key: (i: Interaction & { shelf: Shelf }) => string,
): Map<string, number> {
  const sums = new Map<string, number>();
  for (const i of selectedInteractions(truth, selection)) {
    if (!kinds.includes(i.kind)) continue;
    sums.set(key(i), (sums.get(key(i)) ?? 0) + i.items);
  }
  return sums;
}

/** Items per bucket per `key`, fill(0) over the whole range, for keys that have any. */
export function itemsPerBucket(
  truth: GroundTruth,
  selection: Selection,
  kinds: Kind[],
  intervalMs: number,
  key: (i: Interaction & { shelf: Shelf }) => string,
  measure: (i: Interaction) => number = (i) => i.items,
): Map<string, Point[]> {
  const starts = bucketStarts(truth, intervalMs);
  const sums = new Map<string, Map<number, number>>();
  for (const i of selectedInteractions(truth, selection)) {
    if (!kinds.includes(i.kind)) continue;
    const perBucket = sums.get(key(i)) ?? new Map<number, number>();
    const b = bucketOf(i.timeMs, intervalMs);
    perBucket.set(b, (perBucket.get(b) ?? 0) + measure(i));
    sums.set(key(i), perBucket);
  }
  return new Map(
    [...sums].map(([k, perBucket]) => [k, starts.map((t): Point => [t, perBucket.get(t) ?? 0])]),
  );
}

/** put-back items / pick-up items per key, for keys with pick-ups. */
export function putbackRatio(
  truth: GroundTruth,
  selection: Selection,
  key: (i: Interaction & { shelf: Shelf }) => string,
): Map<string, number> {
  const pickups = itemsBy(truth, selection, ['pickup'], key);
  const putbacks = itemsBy(truth, selection, ['putback'], key);
  return new Map([...pickups].map(([k, picked]) => [k, (putbacks.get(k) ?? 0) / picked]));
}

/** Stock per selected shelf: last count per bucket, fill(previous). */
export function stockPerShelf(
  truth: GroundTruth,
  selection: Selection,
  intervalMs: number,
): Map<string, Point[]> {
  const starts = bucketStarts(truth, intervalMs);
  const result = new Map<string, Point[]>();
  for (const shelf of selectedShelves(truth, selection)) {
    const last = new Map<number, number>();
    for (const p of countPoints(truth))
      if (p.device_id === shelf.device_id) last.set(bucketOf(p.timeMs, intervalMs), p.count);
    const values = fillPrevious(starts.map((t) => last.get(t)));
    result.set(
      shelf.device_id,
      starts.flatMap((t, i): Point[] => (values[i] === undefined ? [] : [[t, values[i]!]])),
    );
  }
  return result;
}

export function finalCounts(truth: GroundTruth, selection: Selection): Map<string, number> {
  const result = new Map<string, number>();
  for (const shelf of selectedShelves(truth, selection))
    for (const p of countPoints(truth))
      if (p.device_id === shelf.device_id) result.set(shelf.device_id, p.count);
  return result;
}

/** A gauge or counter per bucket: `reduce` picks last or max, fill(previous) optional. */
export function reportPerBucket<R extends { timeMs: number }>(
  truth: GroundTruth,
  reports: R[],
  intervalMs: number,
  key: (r: R) => string,
  value: (r: R) => number,
  reduce: 'last' | 'max',
): Map<string, (number | undefined)[]> {
  const starts = bucketStarts(truth, intervalMs);
  const grouped = new Map<string, Map<number, number>>();
  for (const r of [...reports].sort((a, b) => a.timeMs - b.timeMs)) {
    const perBucket = grouped.get(key(r)) ?? new Map<number, number>();
    const b = bucketOf(r.timeMs, intervalMs);
    const current = perBucket.get(b);
    perBucket.set(b, reduce === 'max' && current !== undefined ? Math.max(current, value(r)) : value(r));
    grouped.set(key(r), perBucket);
  }
  return new Map([...grouped].map(([k, perBucket]) => [k, starts.map((t) => perBucket.get(t))]));
}

export { fillPrevious, nonNegativeDifference };

/**
 * The placement estimate from what really happened on the shelves (every
 * store: the estimate is not filtered), keyed `product/position`.
 */
export function placementEffects(
  truth: GroundTruth,
  products: readonly string[],
): Map<string, PlacementEffect> {
  const tags = (deviceId: string) => {
    const shelf = shelfOf(truth, deviceId);
    return {
      deviceId,
      fleet: `${shelf.namespace}/${shelf.fleet}`,
      productId: shelf.product_id,
      position: shelf.position,
    };
  };
  const counts: CountSample[] = countPoints(truth).map((p) => ({
    ...tags(p.device_id),
    timeMs: p.timeMs,
    count: p.count,
  }));
  const events: EventSample[] = truth.interactions.flatMap((i) =>
    i.kind === 'restock' ? [] : [{ ...tags(i.device_id), timeMs: i.timeMs, kind: i.kind }],
  );
  const effects = estimatePlacementEffects(exposureCells(counts, events, [], truth.toMs), effectRules);
  return new Map(
    effects
      .filter((e) => e.productId === '(all)' || products.includes(e.productId))
      .map((e) => [`${e.productId}/${e.position}`, e]),
  );
}
