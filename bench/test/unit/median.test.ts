// The benchmark reports the median of its rounds; with two rounds that is
// their mean, not the higher one.
import { describe, expect, it } from 'vitest';
import { median } from '../../median.ts';

describe('median of benchmark rounds', () => {
  it('takes the middle round of an odd number', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([0.93, 1.1, 0.98, 0.95, 1.02])).toBe(0.98);
  });

  it('takes the mean of the two middle rounds of an even number', () => {
    expect(median([1, 3])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('refuses no rounds', () => {
    expect(() => median([])).toThrow(/no rounds/);
  });
});
