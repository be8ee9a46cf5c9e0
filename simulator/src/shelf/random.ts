// A seeded random source for the shopper model. Each shelf gets its own stream,
// derived from the run seed and the shelf's global index, so a shelf behaves the
// same whatever else runs in the process.
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** Mixes two integers into one 32-bit seed (a murmur3-style finaliser). */
export function mixSeed(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export class Random {
  private readonly rng: RandomGenerator;

  constructor(seed: number, stream = 0) {
    this.rng = xoroshiro128plus(mixSeed(seed, stream));
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.rng.unsafeNext() >>> 5; // 27 bits
    const low = this.rng.unsafeNext() >>> 6; // 26 bits
    return (high * 67_108_864 + low) / 9_007_199_254_740_992;
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  /** Exponentially distributed with the given mean (0 when the mean is 0). */
  exponential(mean: number): number {
    if (mean <= 0) return 0;
    return -Math.log(1 - this.float()) * mean;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Index drawn with probability proportional to weights[i]; weights must not all be 0. */
  weighted(weights: readonly number[], total: number): number {
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}
