// The ground-truth file format other components score against.
import { describe, expect, it } from 'vitest';
import { parseGroundTruth, toJsonLine, type GroundTruthRecord } from '../../../src/shelf/ground-truth.ts';

const record: GroundTruthRecord = {
  kind: 'restock',
  timeMs: 1_767_632_551_113.2,
  items: 18,
  count: 24,
  time: '2026-01-05T17:02:31.113Z',
  wallTime: '2026-11-29T09:01:12.503Z',
  fleet: 'aisle-7',
  namespace: 'store-12',
  endpoint: 'aisle-7-shelf-3',
  shelf: 3,
  productId: 'soap-500g',
  position: 'eye-level',
};

describe('ground truth JSON Lines', () => {
  it('round-trips records, one per line', () => {
    const text =
      toJsonLine(record) + toJsonLine({ ...record, kind: 'pickup', items: 1, count: 23, shopper: 4 });
    expect(text.split('\n')).toHaveLength(3);
    expect(parseGroundTruth(text)).toEqual([
      record,
      { ...record, kind: 'pickup', items: 1, count: 23, shopper: 4 },
    ]);
  });

  it('names the line and field of a bad record', () => {
    const bad = toJsonLine(record) + JSON.stringify({ ...record, kind: 'theft' });
    expect(() => parseGroundTruth(bad)).toThrow(/ground truth line 2: .*kind/s);
    expect(() => parseGroundTruth('{oops')).toThrow(/ground truth line 1: not JSON/);
  });
});
