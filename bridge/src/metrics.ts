// The bridge's Prometheus metrics, on a Registry it owns (several bridges can
// live in one test process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { WatchMetrics } from '@shelfpulse/core/runtime/watch-metrics';

export class BridgeMetrics {
  readonly registry = new Registry();

  readonly notifications = new Counter({
    name: 'shelfpulse_bridge_notifications_total',
    help: 'Resource notifications received, by what became of them.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly malformed = new Counter({
    name: 'shelfpulse_bridge_malformed_notifications_total',
    help: 'Notifications whose payload could not be decoded, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly events = new Counter({
    name: 'shelfpulse_bridge_events_total',
    help: 'Interactions derived from count changes, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly pointsWritten = new Counter({
    name: 'shelfpulse_bridge_points_written_total',
    help: 'Points InfluxDB accepted, by sink.',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly pointsDropped = new Counter({
    name: 'shelfpulse_bridge_points_dropped_total',
    help: 'Points that will never be written, by sink and reason (overflow, rejected, shutdown).',
    labelNames: ['sink', 'reason'] as const,
    registers: [this.registry],
  });

  readonly writeDuration = new Histogram({
    name: 'shelfpulse_bridge_write_duration_seconds',
    help: 'Duration of one write request to InfluxDB, by sink and outcome.',
    labelNames: ['sink', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly writeRetries = new Counter({
    name: 'shelfpulse_bridge_write_retries_total',
    help: 'Write attempts that failed and will be retried, by sink and HTTP status (0: network/timeout).',
    labelNames: ['sink', 'status'] as const,
    registers: [this.registry],
  });

  readonly bufferPoints = new Gauge({
    name: 'shelfpulse_bridge_buffer_points',
    help: 'Points waiting to be written, by sink.',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly bufferCapacity = new Gauge({
    name: 'shelfpulse_bridge_buffer_capacity_points',
    help: 'Bound of the buffer, by sink.',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly spoolBytes = new Gauge({
    name: 'shelfpulse_bridge_spool_bytes',
    help: 'Bytes in the disk spool.',
    registers: [this.registry],
  });

  readonly intakeRequests = new Counter({
    name: 'shelfpulse_bridge_intake_requests_total',
    help: 'Webhook requests by HTTP status answered.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly pulls = new Counter({
    name: 'shelfpulse_bridge_long_poll_pulls_total',
    help: 'Long-poll pulls by HTTP status (200 a batch, 204 nothing new, 0 network error).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly delivery = new Histogram({
    name: 'shelfpulse_bridge_delivery_delay_seconds',
    help: 'From receiving a batch of notifications to InfluxDB accepting its points (one observation per batch and write).',
    labelNames: ['sink'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  /** The ShelfFleet and MetricSink watches of routing from the cluster. */
  readonly watch = new WatchMetrics(this.registry, 'shelfpulse_bridge_');

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults) collectDefaultMetrics({ register: this.registry });
  }
}
