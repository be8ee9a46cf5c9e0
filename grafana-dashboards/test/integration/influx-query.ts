// Runs one InfluxQL statement over HTTP as Grafana's InfluxDB datasource does (GET /query, epoch=ms).
export interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: (number | string | null)[][];
}

export async function runInfluxQL(url: string, db: string, q: string): Promise<Series[]> {
  const response = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const body = (await response.json()) as {
    results?: { series?: Series[]; error?: string }[];
    error?: string;
  };
  const error = body.error ?? body.results?.[0]?.error;
  if (!response.ok || error) throw new Error(`InfluxQL failed (${response.status}): ${error ?? ''}\n${q}`);
  return body.results?.[0]?.series ?? [];
}

/** Series keyed by the values of `tags`, joined with "/". */
export function byTags(series: Series[], ...tags: string[]): Map<string, [number, number | null][]> {
  return new Map(
    series.map((s) => [
      tags.map((t) => s.tags?.[t] ?? '').join('/'),
      s.values.map((row) => [row[0] as number, row[1] as number | null]),
    ]),
  );
}
