// The demo's live table: per product and position, what customers did with
// it, and the bridge's latest placement estimate, read back from InfluxDB with
// InfluxQL (the same data the Grafana dashboards show).
import { influxql } from '../testenv/src/index.ts';
import type { z } from 'zod';
import type { PlacementSchema } from '../core/src/api/placement.ts';

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
  const key = (productId: string | undefined, position: string | undefined) => `${productId}/${position}`;
  const figures = new Map<string, ProductFigures>(
    placements.map((p) => [
      key(p.productId, p.position),
      { productId: p.productId, position: p.position, pickups: 0, putbacks: 0, restocks: 0, stock: 0 },
    ]),
  );
  const events = await influxql(
    url,
    'SELECT sum("items") FROM "shelf_event" GROUP BY "product_id", "position", "kind"',
    { db, headers },
  );
  for (const series of events) {
    const row = figures.get(key(series.tags?.['product_id'], series.tags?.['position']));
    const items = Number(series.values?.[0]?.[1] ?? 0);
    const kind = series.tags?.['kind'];
    if (!row) continue;
    if (kind === 'pickup') row.pickups += items;
    else if (kind === 'putback') row.putbacks += items;
    else if (kind === 'restock') row.restocks += items;
  }
  const counts = await influxql(
    url,
    'SELECT last("count") FROM "product_count" GROUP BY "product_id", "position", "device_id"',
    {
      db,
      headers,
    },
  );
  for (const series of counts) {
    const row = figures.get(key(series.tags?.['product_id'], series.tags?.['position']));
    if (row) row.stock += Number(series.values?.[0]?.[1] ?? 0);
  }
  return [...figures.values()].sort(
    (a, b) => a.productId.localeCompare(b.productId) || a.position.localeCompare(b.position),
  );
}

export interface EffectFigures {
  productId: string;
  position: string;
  ratio?: number | undefined;
  lower?: number | undefined;
  upper?: number | undefined;
  status: string;
  pickups: number;
}

/** The bridge's latest placement_effect per product and position (none until its first run). */
export async function readEffects(
  url: string,
  db: string,
  headers: Record<string, string>,
): Promise<EffectFigures[]> {
  const series = await influxql(
    url,
    'SELECT "ratio", "lower", "upper", "status", "events" FROM "placement_effect" GROUP BY "product_id", "position" ORDER BY time DESC LIMIT 1',
    { db, headers },
  );
  const number = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return series
    .map((s) => {
      const [, ratio, lower, upper, status, events] = s.values?.[0] ?? [];
      return {
        productId: s.tags?.['product_id'] ?? '',
        position: s.tags?.['position'] ?? '',
        ratio: number(ratio),
        lower: number(lower),
        upper: number(upper),
        status: String(status ?? ''),
        pickups: number(events) ?? 0,
      };
    })
    .filter((e) => e.status !== 'reference')
    .sort((a, b) => a.productId.localeCompare(b.productId) || a.position.localeCompare(b.position));
}

function table(header: string[], lines: string[][], leftColumns: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string =>
    cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [format(header), format(widths.map((w) => '─'.repeat(w))), ...lines.map(format)];
}

export function renderView(
  rows: ProductFigures[],
  run: { shelves: number; speedup: number },
  effects: EffectFigures[] = [],
): string {
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
  const effectLines = effects.map((e) => [
    e.productId,
    e.position,
    e.ratio === undefined ? '–' : `${e.ratio.toFixed(2)} [${e.lower?.toFixed(2)}, ${e.upper?.toFixed(2)}]`,
    e.status,
    `${e.pickups} pick-ups`,
  ]);
  return [
    `ShelfPulse demo: ${run.shelves} simulated shelves, ${run.speedup}× speed, ${new Date().toISOString()}`,
    '',
    ...table(header, lines, 2),
    '',
    'Placement effect: pick-up rate against eye level, 95 % interval (the bridge estimates every 30 s)',
    ...(effectLines.length > 0
      ? table(['product', 'position', 'rate ratio [95 %]', 'effect', 'data'], effectLines, 4)
      : ['  no estimate yet']),
  ].join('\n');
}
