// What every controller of one running operator shares.
import type { Logger } from 'pino';
import type { MetricSink } from './api/metric-sink.ts';
import type { ShelfFleet } from './api/shelf-fleet.ts';
import type { OperatorConfig } from './config.ts';
import type { DeviceCloudFactory } from './device-cloud/device-cloud.ts';
import type { KubeClient, KubeObject } from './kube/client.ts';
import type { EventRecorder } from './runtime/events.ts';
import type { Informer } from './runtime/informer.ts';
import type { Cache } from './runtime/informer-group.ts';
import type { KeyedMutex } from './runtime/keyed-mutex.ts';
import type { OperatorMetrics } from './runtime/metrics.ts';

export interface Informers {
  fleets: Informer<ShelfFleet & KubeObject>;
  sinks: Informer<MetricSink & KubeObject>;
  statefulSets: Cache<KubeObject>;
  configMaps: Cache<KubeObject>;
}

export interface OperatorContext {
  client: KubeClient;
  config: OperatorConfig;
  log: Logger;
  metrics: OperatorMetrics;
  events: EventRecorder;
  informers: Informers;
  deviceCloud: DeviceCloudFactory;
  /** The operator's own device-cloud key (re-read when it comes from a Secret). */
  ownApiKey: () => Promise<string | undefined>;
  /**
   * Aborts when this replica's leadership ends: a reconcile then running does
   * no further device-cloud calls or writes (the new leader does them).
   */
  leading: AbortSignal;
  /** Serialises read-modify-write of a device cloud's shared pre-subscription list. */
  presubscriptionLock: KeyedMutex;
}
