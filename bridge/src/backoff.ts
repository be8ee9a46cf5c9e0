// Exponential backoff with "equal jitter" (half fixed, half random):
// many bridges retrying against one recovering InfluxDB do not stampede it.
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
