// Waits for an effect the test asserts on (never for a side counter): polls
// until the probe returns a value, failing with the last error at the deadline.
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached in ${timeoutMs} ms (${String(last ?? '')})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
