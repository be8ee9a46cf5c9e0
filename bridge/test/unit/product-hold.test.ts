// Counts of a shelf whose product id is unknown wait for it, in order, for a bounded time.
import { describe, expect, it } from 'vitest';
import { ITEM_COUNT_PATH, PRODUCT_ID_PATH } from '../../src/notification.ts';
import { ProductHold } from '../../src/product-hold.ts';

const count = (ep: string, value: number) => ({ ep, path: ITEM_COUNT_PATH, payload: String(value) });
const product = (ep: string) => ({ ep, path: PRODUCT_ID_PATH, payload: 'oat-milk' });

function hold(known: Set<string>, maxHeld = 100) {
  const requested: string[] = [];
  const h = new ProductHold({
    settled: (id) => known.has(id),
    request: (id) => requested.push(id),
    waitMs: 1_000,
    maxHeld,
  });
  return { h, requested };
}

describe('ProductHold', () => {
  it('holds the counts of a shelf with an unknown product, asks once, and keeps their arrival time', () => {
    const known = new Set(['known']);
    const { h, requested } = hold(known);
    const out = h.take({ notifications: [count('known', 5), count('new', 9), count('new', 8)] }, 1_000);
    expect(out.notifications).toEqual([count('known', 5)]);
    expect(requested).toEqual(['new']);
    expect(h.size).toBe(2);
    // A later count of the held shelf waits behind the first ones, even once the product is known.
    known.add('new');
    expect(h.take({ notifications: [count('new', 7)] }, 1_200).notifications).toEqual([]);
    expect(h.due(1_300)).toEqual([
      { ...count('new', 9), timestamp: 1_000 },
      { ...count('new', 8), timestamp: 1_000 },
      { ...count('new', 7), timestamp: 1_200 },
    ]);
    expect(h.size).toBe(0);
    expect(h.take({ notifications: [count('new', 6)] }, 1_400).notifications).toEqual([count('new', 6)]);
  });

  it('does not hold counts whose product id comes in the same batch', () => {
    const { h } = hold(new Set());
    const message = { notifications: [count('a', 3), product('a')] };
    expect(h.take(message, 0)).toBe(message);
  });

  it('lets held counts go without a product once the wait is over, and never holds beyond its bound', () => {
    const { h } = hold(new Set(), 2);
    h.take({ notifications: [count('a', 3), count('a', 2)] }, 0);
    expect(h.take({ notifications: [count('b', 1)] }, 0).notifications).toEqual([count('b', 1)]);
    expect(h.due(999)).toEqual([]);
    expect(h.due(1_000)).toHaveLength(2);
  });
});
