// Reads from a sink with InfluxQL over /query: works on 1.x and on 2.x's
// 1.x-compatible API (db = database, or the bucket's first part).
import type { SinkConfig } from './sink-config.ts';
import { sinkAuthorization } from './sink-credentials.ts';

export interface QuerySeries {
  tags: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface QueryOptions {
  timeoutMs?: number;
  /** Timestamp precision of the answer (default `ms`). */
  epoch?: 'ms' | 'u';
}

export async function influxQuery(
  sink: SinkConfig,
  q: string,
  { timeoutMs = 30_000, epoch = 'ms' }: QueryOptions = {},
): Promise<QuerySeries[]> {
  const params = new URLSearchParams({
    db: sink.database ?? sink.bucket?.split('/')[0] ?? '',
    epoch,
    q,
  });
  if (sink.retentionPolicy) params.set('rp', sink.retentionPolicy);
  const authorization = sinkAuthorization(sink);
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const response = await fetch(`${sink.url.replace(/\/$/, '')}/query`, {
    method: 'POST',
    headers,
    body: params,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`InfluxDB answered ${response.status} to a query`);
  const body = (await response.json()) as {
    results?: { series?: Partial<QuerySeries>[]; error?: string }[];
    error?: string;
  };
  const result = body.results?.[0];
  const error = body.error ?? result?.error;
  if (error) throw new Error(`InfluxDB query failed: ${error}`);
  return (result?.series ?? []).map((s) => ({
    tags: s.tags ?? {},
    columns: s.columns ?? [],
    values: s.values ?? [],
  }));
}
