// Measurement, field and tag names in InfluxDB (see ARCHITECTURE.md). The
// bridge writes them; the dashboards read them. `bridgeHealth` is the bridge's
// own health measurement, written next to the data so that Grafana needs no
// Prometheus to show fleet health.
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
 * Counters (`*_total`) are cumulative since the pod started; dashboards take
 * non-negative differences, so a restart never shows as a negative rate.
 */
export const bridgeFleetHealth = {
  measurement: 'shelfpulse_bridge_fleet',
  tags: ['pod', 'fleet', 'namespace'],
  fields: { devicesRegistered: 'devices_registered', notifications: 'notifications_total' },
} as const;

/** Per bridge pod and MetricSink: write errors and the depth of the retry buffer. */
export const bridgeSinkHealth = {
  measurement: 'shelfpulse_bridge_sink',
  tags: ['pod', 'sink', 'namespace'],
  fields: {
    writeErrors: 'write_errors_total',
    pointsDropped: 'points_dropped_total',
    bufferDepth: 'buffer_depth',
  },
} as const;
