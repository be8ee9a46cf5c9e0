// Measurement, field and tag names in InfluxDB (see ARCHITECTURE.md). The
// bridge writes them; the dashboards read them.
export const productCount = { measurement: 'product_count', field: 'count' } as const;

export const shelfEvent = {
  measurement: 'shelf_event',
  field: 'items',
  kindTag: 'kind',
  kinds: ['pickup', 'putback', 'restock'],
} as const;

/** Tags on product_count and shelf_event points. */
export const shelfTags = [
  'product_id',
  'device_id',
  'fleet',
  'namespace',
  'store',
  'aisle',
  'position',
] as const;
export type ShelfTag = (typeof shelfTags)[number];

/**
 * The bridge's own health, written by every bridge pod every report interval
 * next to the data, so that Grafana needs no Prometheus to show fleet health.
 * The bridge, which writes them, owns the names; the dashboards read them.
 */
export { bridgeFleetHealth, bridgeSinkHealth } from '@shelfpulse/bridge/health-report';

/** The bridge's placement estimate and the placement history it reads (the bridge owns the names). */
export { placementEffect } from '@shelfpulse/bridge/placement-effect-job';
export { allProducts } from '@shelfpulse/bridge/placement-effect/estimate';
