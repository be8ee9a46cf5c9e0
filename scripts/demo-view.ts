// The demo's live table: per product, what customers did with it, read back
// from InfluxDB with InfluxQL (the same data the Grafana dashboards show).
import { influxql } from '@shelfpulse/testenv';
import type { z } from 'zod';
import type { PlacementSchema } from '../operator/src/api/placement.ts';

export type PlacementInput = z.input<typeof PlacementSchema>;

export interface ProductFigures {
  productId: string;
  position: string;
  pickups: number;
  putbacks: number;
  restocks: number;
  stock: number;
}

export async function readFigures(
  url: string,
  db: string,
  headers: Record<string, string>,
  placements: PlacementInput[],
): Promise<ProductFigures[]> {
  const figures = new Map<string, ProductFigures>(
    placements.map((p) => [
      p.productId,
      { productId: p.productId, position: p.position, pickups: 0, putbacks: 0, restocks: 0, stock: 0 },
    ]),
  );
  const events = await influxql(url, 'SELECT sum("items") FROM "shelf_event" GROUP BY "product_id", "kind"', {
    db,
    headers,
  });
  for (const series of events) {
    const row = figures.get(series.tags?.['product_id'] ?? '');
    const items = Number(series.values?.[0]?.[1] ?? 0);
    const kind = series.tags?.['kind'];
    if (!row) continue;
    if (kind === 'pickup') row.pickups += items;
    else if (kind === 'putback') row.putbacks += items;
    else if (kind === 'restock') row.restocks += items;
  }
  const counts = await influxql(
    url,
    'SELECT last("count") FROM "product_count" GROUP BY "product_id", "device_id"',
    {
      db,
      headers,
    },
  );
  for (const series of counts) {
    const row = figures.get(series.tags?.['product_id'] ?? '');
    if (row) row.stock += Number(series.values?.[0]?.[1] ?? 0);
  }
  return [...figures.values()];
}

export function renderView(rows: ProductFigures[], run: { shelves: number; speedup: number }): string {
  const header = ['product', 'position', 'pick-ups', 'put-backs', 'put-back ratio', 'restocked', 'stock'];
  const lines = rows.map((r) => [
    r.productId,
    r.position,
    String(r.pickups),
    String(r.putbacks),
    r.pickups > 0 ? `${((100 * r.putbacks) / r.pickups).toFixed(1)} %` : '–',
    String(r.restocks),
    String(r.stock),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `ShelfPulse demo: ${run.shelves} simulated shelves, ${run.speedup}× speed, ${new Date().toISOString()}`,
    '',
    format(header),
    format(widths.map((w) => '─'.repeat(w))),
    ...lines.map(format),
  ].join('\n');
}
