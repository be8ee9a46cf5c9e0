// What the active replica writes besides the shelves' data: the MetricSinks'
// status counts (with routing from the cluster), its own health points, and
// the periodic placement estimate. Standbys run the same timers and skip.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { KubeClient } from '@shelfpulse/core/kube/client';
import type { Bridge } from '../bridge.ts';
import type { BridgeConfig } from '../config.ts';
import { HealthReporter } from '../health-report.ts';
import type { BridgeMetrics } from '../metrics.ts';
import { PlacementEffectJob } from '../placement-effect-job.ts';
import { SinkStatusReporter } from '../sink-status.ts';

export interface Reports {
  sinkStatus: SinkStatusReporter | undefined;
  health: HealthReporter | undefined;
  placementEffect: PlacementEffectJob;
}

export interface ReportInputs {
  bridge: Bridge;
  metrics: BridgeMetrics;
  log: Logger;
  /** The cluster client, when sinks are MetricSinks (routing from the cluster). */
  clusterSinks: KubeClient | undefined;
  active: () => boolean;
}

export function startReports(config: BridgeConfig, inputs: ReportInputs): Reports {
  const { bridge, metrics, log, clusterSinks, active } = inputs;
  const sinkStatus = clusterSinks
    ? new SinkStatusReporter({
        client: clusterSinks,
        metrics,
        log,
        intervalMs: config.kube?.statusIntervalMs,
        active,
      })
    : undefined;
  const health =
    config.healthIntervalMs > 0
      ? new HealthReporter({
          bridge,
          metrics,
          log: log.child({ part: 'health' }),
          pod: config.leaderElection?.identity ?? hostname(),
          intervalMs: config.healthIntervalMs,
          active,
          // With routing from the cluster every sink is a MetricSink named `<namespace>.<name>`.
          sinkNamespace: (sink) => (clusterSinks ? sink.slice(0, Math.max(0, sink.indexOf('.'))) : ''),
        })
      : undefined;
  const placementEffect = new PlacementEffectJob({
    bridge,
    config: config.placementEffect,
    log: log.child({ part: 'placement-effect' }),
    active,
  });
  sinkStatus?.start();
  health?.start();
  placementEffect.start();
  return { sinkStatus, health, placementEffect };
}
