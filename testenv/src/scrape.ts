// Reads one metric from a process's Prometheus endpoint, as a scrape would:
// what the process exports is what its /metrics serves, not what its objects hold.

/** The sum of the samples of `name` on `${url}/metrics` whose labels include `labels`. */
export async function scrapeMetric(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (match[2] ?? '').includes(`${k}="${v}"`)))
      sum += Number(match[3]);
  }
  return sum;
}
