// The parts of a running bridge and the order they stop in: first no new
// notifications (channel, then the jobs that write the bridge's own points),
// then the HTTP side and the buffers together (answers still in flight get
// their 204 once durable), then the last MetricSink status report, and only
// then the Lease (a standby takes over once this replica's data is out) and
// the cluster watches.
import type { BridgeApp } from '../app.ts';
import type { Bridge } from '../bridge.ts';
import type { BridgeHttpServer } from '../http-server.ts';
import type { KubeRouting } from '../kube-routing.ts';
import type { BridgeMetrics } from '../metrics.ts';
import type { PlacementEffectJob } from '../placement-effect-job.ts';
import type { ClusterRouting } from './cluster-routing.ts';
import type { Leadership } from './leadership.ts';
import type { NotificationChannel } from './notification-channel.ts';
import type { Reports } from './reports.ts';

export interface BridgeParts {
  url: string;
  bridge: Bridge;
  metrics: BridgeMetrics;
  server: BridgeHttpServer;
  channel: NotificationChannel;
  reports: Reports;
  leadership: Leadership | undefined;
  cluster: ClusterRouting | undefined;
  shutdownGraceMs: number;
}

export class RunningBridge implements BridgeApp {
  readonly url: string;
  readonly bridge: Bridge;
  readonly metrics: BridgeMetrics;
  readonly placementEffect: PlacementEffectJob;
  private readonly parts: BridgeParts;

  constructor(parts: BridgeParts) {
    this.parts = parts;
    this.url = parts.url;
    this.bridge = parts.bridge;
    this.metrics = parts.metrics;
    this.placementEffect = parts.reports.placementEffect;
  }

  get routing(): KubeRouting | undefined {
    return this.parts.cluster?.router;
  }

  async close(graceMs = this.parts.shutdownGraceMs): Promise<number> {
    const { channel, reports, server, bridge, leadership, cluster } = this.parts;
    const { health, placementEffect, sinkStatus } = reports;
    await channel.close();
    await health?.stop();
    await placementEffect.stop();
    const [, left] = await Promise.all([server.close(graceMs + 1000), bridge.close(graceMs)]);
    await sinkStatus?.stop();
    await leadership?.stop();
    await cluster?.stop();
    return left;
  }
}
