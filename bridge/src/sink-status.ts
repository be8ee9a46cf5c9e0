// Reports each MetricSink's points written and dropped into its status, as
// running totals: every interval the active bridge adds what it counted since
// its last report (optimistic concurrency on the resourceVersion, so a lost
// race only delays the report). The operator owns the rest of the status.
import type { Logger } from 'pino';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import { KubeError, type KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { fieldManager } from './field-manager.ts';
import type { BridgeMetrics } from './metrics.ts';

export interface SinkStatusOptions {
  client: KubeClient;
  metrics: BridgeMetrics;
  log: Logger;
  intervalMs?: number;
  /** Only the replica taking notifications reports. */
  active: () => boolean;
}

type Totals = { written: number; dropped: number };

async function perSink(metrics: BridgeMetrics): Promise<Map<string, Totals>> {
  const totals = new Map<string, Totals>();
  const add = (sink: string, field: keyof Totals, value: number) => {
    const t = totals.get(sink) ?? { written: 0, dropped: 0 };
    t[field] += value;
    totals.set(sink, t);
  };
  for (const v of (await metrics.pointsWritten.get()).values) add(String(v.labels.sink), 'written', v.value);
  for (const v of (await metrics.pointsDropped.get()).values) add(String(v.labels.sink), 'dropped', v.value);
  return totals;
}

export class SinkStatusReporter {
  private readonly options: SinkStatusOptions;
  private readonly reported = new Map<string, Totals>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(options: SinkStatusOptions) {
    this.options = options;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.report());
    }, this.options.intervalMs ?? 15_000);
  }

  /** Stops, after one last report. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.report();
  }

  async report(): Promise<void> {
    if (!this.options.active()) return;
    for (const [sink, now] of await perSink(this.options.metrics)) {
      // Sinks from MetricSinks are named `<namespace>.<name>`; a namespace has no dots.
      const dot = sink.indexOf('.');
      if (dot <= 0) continue;
      const before = this.reported.get(sink) ?? { written: 0, dropped: 0 };
      const delta = { written: now.written - before.written, dropped: now.dropped - before.dropped };
      if (delta.written === 0 && delta.dropped === 0) continue;
      const path = resourcePath(resources.metricSinks, sink.slice(0, dot), sink.slice(dot + 1));
      try {
        const current = await this.options.client.get<MetricSink & KubeObject>(path);
        await this.options.client.mergePatch(
          `${path}/status`,
          {
            metadata: { resourceVersion: current.metadata.resourceVersion },
            status: {
              pointsWritten: (current.status?.pointsWritten ?? 0) + delta.written,
              pointsDropped: (current.status?.pointsDropped ?? 0) + delta.dropped,
            },
          },
          fieldManager,
        );
        this.reported.set(sink, now);
      } catch (error) {
        if (!(error instanceof KubeError && error.status === 409))
          this.options.log.warn({ sink, err: String(error) }, 'could not report to the MetricSink status');
      }
    }
  }
}
