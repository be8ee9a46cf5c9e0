// Small waits shared by the emulator's integration tests.
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The value of one sample in Prometheus text format, 0 when absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * Waits until a sample reaches `expected`. For counters the emulator updates
 * after the effect a test can see (a webhook delivery is counted once the
 * receiver's 2xx is back, after the receiver has the batch): reading such a
 * counter once, right after seeing the effect, races on a busy machine.
 */
export async function waitForMetric(
  registry: { metrics(): Promise<string> },
  name: string,
  labels: string,
  expected: number,
  timeoutMs = 10_000,
): Promise<void> {
  let last = Number.NaN;
  try {
    await waitFor(
      `${name}{${labels}} to reach ${expected}`,
      async () => (last = metricValue(await registry.metrics(), name, labels)) === expected,
      timeoutMs,
    );
  } catch {
    throw new Error(`${name}{${labels}} is ${last}, expected ${expected}`);
  }
}
