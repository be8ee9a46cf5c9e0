// One InfluxQL request against a real influxd (1.x /query), for tests, the
// demo and the benchmarks. Errors InfluxDB reports inside a 200 are thrown.
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: (number | string | null)[][];
}

export interface InfluxQLOptions {
  db?: string | undefined;
  /** Timestamp precision of the answer: `ms` (Grafana's), `u`, … (default RFC 3339 strings). */
  epoch?: string | undefined;
  /** GET as Grafana's datasource sends queries; POST (default) also runs statements. */
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** How long to wait for the answer (default 30 s; the benchmarks' month-long queries take longer). */
  timeoutMs?: number | undefined;
}

export async function influxql(
  url: string,
  q: string,
  options: InfluxQLOptions = {},
): Promise<InfluxSeries[]> {
  const params = new URLSearchParams({ q });
  if (options.db) params.set('db', options.db);
  if (options.epoch) params.set('epoch', options.epoch);
  const get = options.method === 'GET';
  const response = await fetch(get ? `${url}/query?${params}` : `${url}/query`, {
    method: get ? 'GET' : 'POST',
    headers: options.headers,
    ...(get ? {} : { body: params }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const body = (await response.json()) as {
    results?: { series?: InfluxSeries[]; error?: string }[];
    error?: string;
  };
  const error = body.error ?? body.results?.[0]?.error;
  if (!response.ok || error) throw new Error(`InfluxQL failed (${response.status}): ${error ?? ''}\n${q}`);
  return body.results?.[0]?.series ?? [];
}

/** Every row of every series, for single-series queries. */
export async function influxqlRows(
  url: string,
  q: string,
  options: InfluxQLOptions = {},
): Promise<InfluxSeries['values']> {
  return (await influxql(url, q, options)).flatMap((s) => s.values);
}
