// Runs one InfluxQL statement over HTTP as Grafana's InfluxDB datasource does (GET /query, epoch=ms).
import { influxql, type InfluxSeries } from '@shelfpulse/testenv';

export type Series = InfluxSeries;

export function runInfluxQL(url: string, db: string, q: string): Promise<Series[]> {
  return influxql(url, q, { db, epoch: 'ms', method: 'GET' });
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
