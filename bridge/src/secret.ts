// Constant-time comparison of the webhook secret: hashing both sides first
// makes the lengths equal, so neither length nor content leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export function secretMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
