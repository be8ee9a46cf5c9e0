// The bridge's own health, written next to the shelf data so that Grafana's
// "Fleet health" dashboard needs no Prometheus: every interval the active
// replica writes one point per fleet into that fleet's sinks, and one point
// per sink into that sink. Counters are cumulative since this process
// started; all fields are integers. The names are core's (measurements.ts),
// which the dashboards query with.
import type { Logger } from 'pino';
import { bridgeFleetHealth, bridgeSinkHealth, type TagsOf } from '@shelfpulse/core/measurements';
import type { Bridge } from './bridge.ts';
import { integer, pointLine } from './line-protocol.ts';
import type { BridgeMetrics } from './metrics.ts';

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
      const line = pointLine(
        bridgeFleetHealth.measurement,
        { pod, fleet: route.fleet, namespace: route.namespace } satisfies TagsOf<typeof bridgeFleetHealth>,
        {
          [bridgeFleetHealth.fields.devicesRegistered]: integer(devices.size),
          [bridgeFleetHealth.fields.notifications]: integer(notifications),
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
        pointLine(
          bridgeSinkHealth.measurement,
          { pod, sink, namespace: sinkNamespace(sink) } satisfies TagsOf<typeof bridgeSinkHealth>,
          {
            [bridgeSinkHealth.fields.writeErrors]: integer(errors.get(sink) ?? 0),
            [bridgeSinkHealth.fields.pointsDropped]: integer(dropped.get(sink) ?? 0),
            [bridgeSinkHealth.fields.bufferDepth]: integer(writer.pending),
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
