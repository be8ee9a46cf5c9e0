// The median of a benchmark's rounds: the middle value, or with an even number
// of rounds the mean of the two middle ones (never the higher of them).
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no rounds');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
