// The bridge's own health, written next to the shelf data so that Grafana's
// "Fleet health" dashboard needs no Prometheus: every interval the active
// replica writes one point per fleet into that fleet's sinks, and one point
// per sink into that sink. Counters are cumulative since this process
// started; all fields are integers. The dashboards (grafana-dashboards/src/
// measurements.ts) read these names from here.
import type { Logger } from 'pino';
import type { Bridge } from './bridge.ts';
import { escapeTag } from './line-protocol.ts';
import type { BridgeMetrics } from './metrics.ts';

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

export interface HealthReportOptions {
  bridge: Bridge;
  metrics: BridgeMetrics;
  log: Logger;
  /** The `pod` tag: the leader-election identity or the host name. */
  pod: string;
  intervalMs: number;
  /** Only the replica taking notifications reports (the others have nothing to say). */
  active: () => boolean;
  /** The `namespace` tag of a sink: its MetricSink's namespace, or ''. */
  sinkNamespace: (sink: string) => string;
}

/** One line; tags in key order (what InfluxDB sorts to), empty ones left out, integer fields. */
export function healthLine(
  measurement: string,
  tags: Record<string, string>,
  fields: Record<string, number>,
  timeUs: number,
): string {
  const tagText = Object.keys(tags)
    .sort()
    .filter((k) => tags[k] !== '')
    .map((k) => `,${k}=${escapeTag(tags[k] as string)}`)
    .join('');
  const fieldText = Object.entries(fields)
    .map(([k, v]) => `${k}=${Math.trunc(v)}i`)
    .join(',');
  return `${measurement}${tagText} ${fieldText} ${Math.trunc(timeUs)}`;
}

/** Sums a counter's values by their `sink` label. */
async function bySink(counter: BridgeMetrics['writeRetries'] | BridgeMetrics['pointsDropped']) {
  const totals = new Map<string, number>();
  for (const v of (await counter.get()).values) {
    const sink = String(v.labels.sink);
    totals.set(sink, (totals.get(sink) ?? 0) + v.value);
  }
  return totals;
}

export class HealthReporter {
  private readonly options: HealthReportOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(options: HealthReportOptions) {
    this.options = options;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running
        .then(() => this.report())
        .catch((error: unknown) => {
          // A full disk (spool) must not stop the data path: skip this report.
          this.options.log.warn({ err: String(error) }, 'health report not written');
        });
    }, this.options.intervalMs);
  }

  /** Stops reporting (before the bridge closes, so the last report is still flushed). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** The points of one report, by sink name. */
  async points(nowMs = Date.now()): Promise<Record<string, string[]>> {
    const { bridge, metrics, pod, sinkNamespace } = this.options;
    const timeUs = nowMs * 1000;
    const points: Record<string, string[]> = {};
    const add = (sink: string, line: string): void => void (points[sink] ??= []).push(line);
    for (const { route, devices, notifications } of bridge.translator.fleets.list()) {
      const line = healthLine(
        bridgeFleetHealth.measurement,
        { pod, fleet: route.fleet, namespace: route.namespace },
        {
          [bridgeFleetHealth.fields.devicesRegistered]: devices.size,
          [bridgeFleetHealth.fields.notifications]: notifications,
        },
        timeUs,
      );
      for (const sink of route.sinks) if (bridge.sinks.has(sink)) add(sink, line);
    }
    const errors = await bySink(metrics.writeRetries);
    const dropped = await bySink(metrics.pointsDropped);
    for (const [sink, writer] of bridge.sinks)
      add(
        sink,
        healthLine(
          bridgeSinkHealth.measurement,
          { pod, sink, namespace: sinkNamespace(sink) },
          {
            [bridgeSinkHealth.fields.writeErrors]: errors.get(sink) ?? 0,
            [bridgeSinkHealth.fields.pointsDropped]: dropped.get(sink) ?? 0,
            [bridgeSinkHealth.fields.bufferDepth]: writer.pending,
          },
          timeUs,
        ),
      );
    return points;
  }

  async report(nowMs = Date.now()): Promise<void> {
    if (!this.options.active() || !this.options.bridge.open) return;
    this.options.bridge.writeOwn(await this.points(nowMs), nowMs);
  }
}
