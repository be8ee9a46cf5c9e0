// What every controller of one running operator shares.
import type { Logger } from 'pino';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { OperatorConfig } from './config.ts';
import type { DeviceCloudFactory } from '@shelfpulse/core/device-cloud/device-cloud';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import type { EventRecorder } from '@shelfpulse/core/runtime/events';
import type { Informer } from '@shelfpulse/core/runtime/informer';
import type { Cache } from '@shelfpulse/core/runtime/informer-group';
import type { KeyedMutex } from '@shelfpulse/core/runtime/keyed-mutex';
import type { OperatorMetrics } from './metrics.ts';

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
