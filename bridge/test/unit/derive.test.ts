import { describe, expect, it } from 'vitest';
import { classifyIncrease, Deriver, seqNewer, type ShelfLimits } from '../../src/derive.ts';

const shelf: ShelfLimits = { capacity: 24, restockThreshold: 6 };
const rules = { restockMinItems: 5 };

function run(counts: number[], limits: ShelfLimits = shelf): (string | undefined)[] {
  const deriver = new Deriver(rules);
  return counts.map((count, i) => {
    const d = deriver.observe({ deviceId: 'd', count, timeUs: 1_000 + i * 10 }, limits);
    return d.event ? `${d.event.kind}:${d.event.items}` : d.outcome;
  });
}

describe('Deriver', () => {
  it('derives pick-ups, put-backs and restocks from successive counts', () => {
    expect(run([24, 23, 21, 22, 24, 20, 5, 4, 24])).toEqual([
      'baseline',
      'pickup:1',
      'pickup:2',
      'putback:1',
      'putback:2', // back to capacity, but from far above the threshold: a shopper, not staff
      'pickup:4',
      'pickup:15',
      'pickup:1',
      'restock:20',
    ]);
  });

  it('calls a large increase a restock even when the shelf is not filled, or capacity is unknown', () => {
    expect(run([3, 20])).toEqual(['baseline', 'restock:17']);
    expect(run([10, 12, 17], {})).toEqual(['baseline', 'putback:2', 'restock:5']);
    // Below the threshold, waiting for staff, a shopper puts three back: not a restock.
    expect(classifyIncrease(5, 8, shelf, rules)).toBe('putback');
    expect(classifyIncrease(5, 24, shelf, rules)).toBe('restock');
  });

  it('keeps coalesced changes as their net effect', () => {
    // 20 → (pick 3, put back 1) → 18: one pick-up of 2.
    expect(run([20, 18])).toEqual(['baseline', 'pickup:2']);
  });

  it('drops duplicates and does not rewrite an unchanged count', () => {
    const deriver = new Deriver(rules);
    expect(deriver.observe({ deviceId: 'd', count: 9, timeUs: 10 }, shelf).outcome).toBe('baseline');
    expect(deriver.observe({ deviceId: 'd', count: 9, timeUs: 10 }, shelf).outcome).toBe('duplicate');
    expect(deriver.observe({ deviceId: 'd', count: 9, timeUs: 20 }, shelf)).toEqual({ outcome: 'unchanged' });
  });

  it('orders by Observe sequence number, across its 24-bit wrap', () => {
    const deriver = new Deriver(rules);
    const at = (count: number, seq: number, timeUs: number) =>
      deriver.observe({ deviceId: 'd', count, seq, timeUs }, shelf);
    expect(at(10, 0xfffffe, 100).outcome).toBe('baseline');
    expect(at(8, 1, 200).event).toEqual({ kind: 'pickup', items: 2 }); // wrapped: newer
    // Seq 0xffffff arrives late (it came between the two): no event, the net is already counted.
    expect(at(9, 0xffffff, 300)).toEqual({ outcome: 'late', countTimeUs: 300 });
    expect(at(8, 1, 400).outcome).toBe('duplicate');
    expect(at(7, 2, 500).event).toEqual({ kind: 'pickup', items: 1 });
    expect(seqNewer(5, 6)).toBe(true);
    expect(seqNewer(6, 5)).toBe(false);
  });

  it('orders by time when there is no sequence number, and keeps point times unique', () => {
    const deriver = new Deriver(rules);
    deriver.observe({ deviceId: 'd', count: 10, timeUs: 1000 }, shelf);
    expect(deriver.observe({ deviceId: 'd', count: 11, timeUs: 900 }, shelf).outcome).toBe('late');
    const a = deriver.observe({ deviceId: 'd', count: 9, timeUs: 2000 }, shelf);
    const b = deriver.observe({ deviceId: 'd', count: 8, timeUs: 2000 }, shelf);
    expect(a.countTimeUs).toBe(2000);
    expect(b.countTimeUs).toBe(2001);
  });

  it('restores its state from a snapshot', () => {
    const first = new Deriver(rules);
    first.observe({ deviceId: 'd', count: 10, timeUs: 1 }, shelf);
    const second = new Deriver(rules);
    second.restore(first.snapshot());
    expect(second.observe({ deviceId: 'd', count: 7, timeUs: 2 }, shelf).event).toEqual({
      kind: 'pickup',
      items: 3,
    });
  });
});
