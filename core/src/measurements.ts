// Every measurement ShelfPulse keeps in InfluxDB, with its tags and fields:
// the bridge writes with these names and the dashboards query with them, so
// neither can rename one alone. What each holds: bridge/README.md.

/** The tags of a point of measurement `M`, by name (for `satisfies`: no tag forgotten, none made up). */
export type TagsOf<M extends { tags: readonly string[] }> = Record<M['tags'][number], string>;

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

/** One point per change of a shelf's item count. */
export const productCount = { measurement: 'product_count', tags: shelfTags, field: 'count' } as const;

/** One point per interaction the bridge derives, `kind` tagged. */
export const shelfEvent = {
  measurement: 'shelf_event',
  tags: shelfTags,
  field: 'items',
  kindTag: 'kind',
  kinds: ['pickup', 'putback', 'restock'],
} as const;
export type ShelfEventKind = (typeof shelfEvent.kinds)[number];

/** A fleet's placements over time (the placement estimator reads them back). */
export const placementHistory = {
  measurement: 'placement',
  tags: ['aisle', 'fleet', 'namespace', 'position', 'product_id', 'store'],
  fields: { placed: 'placed', capacity: 'capacity', restockThreshold: 'restock_threshold' },
} as const;

/** The bridge's placement estimate, one point per product and position. */
export const placementEffect = {
  measurement: 'placement_effect',
  tags: ['position', 'product_id', 'reference'],
  fields: {
    ratio: 'ratio',
    lower: 'lower',
    upper: 'upper',
    status: 'status',
    events: 'events',
    putbacks: 'putbacks',
    exposureHours: 'exposure_hours',
    rate: 'rate_per_hour',
    putbackRatio: 'putback_ratio',
    putbackLower: 'putback_lower',
    putbackUpper: 'putback_upper',
    putbackEffect: 'putback_effect',
    putbackEffectLower: 'putback_effect_lower',
    putbackEffectUpper: 'putback_effect_upper',
    putbackStatus: 'putback_status',
    windowHours: 'window_hours',
  },
} as const;

/** The `product_id` of the placement estimate pooled over every product. */
export const allProducts = '(all)';

/**
 * The bridge's own health, written by the active bridge every report interval
 * next to the data, so that Grafana needs no Prometheus to show fleet health.
 */
export const bridgeFleetHealth = {
  measurement: 'shelfpulse_bridge_fleet',
  tags: ['pod', 'fleet', 'namespace'],
  fields: { devicesRegistered: 'devices_registered', notifications: 'notifications_total' },
} as const;

export const bridgeSinkHealth = {
  measurement: 'shelfpulse_bridge_sink',
  tags: ['pod', 'sink', 'namespace'],
  fields: {
    writeErrors: 'write_errors_total',
    pointsDropped: 'points_dropped_total',
    bufferDepth: 'buffer_depth',
  },
} as const;
