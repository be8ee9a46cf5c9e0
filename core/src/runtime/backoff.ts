// The one backoff of every retry (the bridge's writes and long-poll, the work
// queue, the informer's list/watch): exponential from `initialMs`, capped at
// `maxMs`, with "equal jitter" (half fixed, half random), so that many clients
// retrying against one recovering server do not stampede it in lockstep, while
// no delay is shorter than half its step or longer than the cap.

/** The step before jitter: initialMs·2^attempt (attempt 0 is the first retry), at most maxMs. */
export function backoffCeiling(attempt: number, initialMs: number, maxMs: number): number {
  // Bounding the exponent keeps the product finite however long something fails.
  const exponent = Math.min(Math.max(attempt, 0), 30);
  return Math.min(maxMs, initialMs * 2 ** exponent);
}

/** The delay before retry `attempt`: between half of its step and the step, in whole milliseconds. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(attempt, initialMs, maxMs);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
