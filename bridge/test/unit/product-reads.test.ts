import { describe, expect, it } from 'vitest';
import { ProductIdReads } from '../../src/app/product-reads.ts';

describe('product id reads', () => {
  it('asks the device cloud at most once per device per cooldown', async () => {
    const asked: string[] = [];
    const reads = new ProductIdReads(
      {
        readProductId: (device) => {
          asked.push(device);
          return Promise.resolve(`product-of-${device}`);
        },
      },
      60_000,
    );
    const t0 = 1_000_000;
    expect(await reads.read('a', t0)).toBe('product-of-a');
    // Within the minute: no second read of `a`, but `b` is read.
    expect(reads.read('a', t0 + 59_999)).toBeUndefined();
    expect(await reads.read('b', t0 + 30_000)).toBe('product-of-b');
    expect(await reads.read('a', t0 + 60_000)).toBe('product-of-a');
    expect(asked).toEqual(['a', 'b', 'a']);
  });
});
