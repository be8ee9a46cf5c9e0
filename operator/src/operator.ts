// The operator process: health and metrics server, leader election, and —
// while leading — the informers and the ShelfFleet and MetricSink controllers.
import pino, { type Logger } from 'pino';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { manages, type OperatorConfig } from './config.ts';
import type { Informers, OperatorContext } from './context.ts';
import type { DeviceCloudFactory } from '@shelfpulse/core/device-cloud/device-cloud';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import { withSharedDeviceList } from './device-cloud/shared-device-list.ts';
import { ownApiKey } from './device-cloud/own-api-key.ts';
import { KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { loadConnection, type KubeConnection } from '@shelfpulse/core/kube/connection';
import { resourcePath, resources, type Resource } from '@shelfpulse/core/kube/paths';
import { reconcileMetricSink } from './metric-sink/reconcile.ts';
import { Controller } from '@shelfpulse/core/runtime/controller';
import { EventRecorder } from '@shelfpulse/core/runtime/events';
import { startHealthServer, type HealthServer } from '@shelfpulse/core/runtime/health-server';
import { Informer, objectKey, sleep, type InformerOptions } from '@shelfpulse/core/runtime/informer';
import { InformerGroup, type Cache } from '@shelfpulse/core/runtime/informer-group';
import { KeyedMutex } from '@shelfpulse/core/runtime/keyed-mutex';
import { LeaderElector, workloadOwner } from '@shelfpulse/core/runtime/leader-election';
import { OperatorMetrics } from './metrics.ts';
import { reconcileShelfFleet } from './shelf-fleet/reconcile.ts';
import { fieldManager } from './field-manager.ts';
import { managedByLabel } from './shelf-fleet/workload.ts';
import { reconcileUninstallGate } from './uninstall/gate.ts';
import { findCondition } from '@shelfpulse/core/runtime/conditions';
import { packageVersion } from '@shelfpulse/core/cli/help-and-version';

/** How the operator names itself to the API server (audit logs; managedFields of writes without a field manager). */
const userAgent = `shelfpulse-operator/${packageVersion(new URL('../package.json', import.meta.url))}`;

export interface OperatorOptions {
  /** Defaults to config.kubeconfig, KUBECONFIG, or the in-cluster ServiceAccount. */
  connection?: KubeConnection;
  deviceCloud?: DeviceCloudFactory;
  logger?: Logger;
  /** Collect Node.js process metrics (off when several operators share a test process). */
  processMetrics?: boolean;
}

export interface RunningOperator {
  url: string;
  metrics: OperatorMetrics;
  isLeader(): boolean;
  close(): Promise<void>;
}

interface Running {
  informers: Cache<KubeObject>[];
  controllers: Controller[];
}

export async function startOperator(
  config: OperatorConfig,
  options: OperatorOptions = {},
): Promise<RunningOperator> {
  const log = options.logger ?? pino({ level: config.logLevel, base: { component: 'shelfpulse-operator' } });
  const client = new KubeClient(options.connection ?? loadConnection(config.kubeconfig), { userAgent });
  const metrics = new OperatorMetrics(options.processMetrics ?? true);
  const deviceClouds = new Map<string, ReturnType<DeviceCloudFactory>>();
  const factory = options.deviceCloud ?? ((c) => new MbedSdkDeviceCloud(c));
  const deviceCloud: DeviceCloudFactory = (c) => {
    const key = `${c.apiUrl}\u0000${c.apiKey}`;
    let cloud = deviceClouds.get(key);
    if (!cloud) deviceClouds.set(key, (cloud = withSharedDeviceList(factory(c), config.deviceListMaxAgeMs)));
    return cloud;
  };
  const ownKey = ownApiKey({
    client,
    log,
    namespace: config.namespace,
    fromEnv: config.deviceCloudApiKey,
    secret: config.deviceCloudApiKeySecret,
    maxAgeMs: config.deviceCloudApiKeyRefreshMs,
  });
  const events = new EventRecorder(client, 'shelfpulse-operator', log, (ns) => manages(config, ns));
  const presubscriptionLock = new KeyedMutex();

  let running: Running | undefined;
  let waitingFor: string[] = ['leadership'];
  const health: HealthServer = await startHealthServer(
    config.listenHost,
    config.listenPort,
    metrics.registry,
    () =>
      !config.leaderElection || elector?.isLeader
        ? {
            ready: waitingFor.length === 0,
            detail: waitingFor.length ? `waiting for caches: ${waitingFor.join(', ')}` : 'leader',
          }
        : { ready: true, detail: 'standby' },
  );

  const startLeading = async (leading?: AbortSignal): Promise<void> => {
    metrics.leader.set(1);
    const ctx = {
      client,
      config,
      log,
      metrics,
      events,
      deviceCloud,
      presubscriptionLock,
      ownApiKey: ownKey,
      leading: leading ?? new AbortController().signal,
    } as Omit<OperatorContext, 'informers'>;
    running = wire(ctx);
    const pending = new Set(running.informers.map((i) => i.name));
    waitingFor = [...pending];
    for (const informer of running.informers) {
      informer.start();
      void informer.synced.then(() => {
        pending.delete(informer.name);
        waitingFor = [...pending];
      });
    }
    // Controllers start once their caches are synced, or after a while anyway, so that one
    // resource the operator may not list (a missing permission) does not stop the others.
    const mine = running;
    await Promise.race([Promise.all(mine.informers.map((i) => i.synced)), sleep(15_000, leading)]);
    // Leadership may have ended meanwhile (stopLeading has already stopped these).
    if (leading?.aborted || running !== mine) return;
    for (const c of mine.controllers) c.start();
    log.info({ waitingFor }, 'controllers started');
  };
  const stopLeading = async (): Promise<void> => {
    metrics.leader.set(0);
    waitingFor = ['leadership'];
    const r = running;
    running = undefined;
    if (!r) return;
    await Promise.all(r.controllers.map((c) => c.stop()));
    await Promise.all(r.informers.map((i) => i.stop()));
  };

  const abort = new AbortController();
  let elector: LeaderElector | undefined;
  let campaign: Promise<void>;
  if (config.leaderElection) {
    elector = new LeaderElector(
      client,
      {
        namespace: config.namespace,
        name: config.leaseName,
        identity: config.identity,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        owner: config.leaseOwnerDeployment
          ? await workloadOwner(client, config.namespace, 'Deployment', config.leaseOwnerDeployment, log)
          : undefined,
      },
      log,
    );
    campaign = elector.run(abort.signal, startLeading, stopLeading);
  } else {
    campaign = startLeading();
  }
  log.info({ url: health.url, identity: config.identity }, 'operator started');

  return {
    url: health.url,
    metrics,
    isLeader: () => (config.leaderElection ? (elector?.isLeader ?? false) : true),
    close: async () => {
      abort.abort();
      await campaign;
      if (!config.leaderElection) await stopLeading();
      await health.close();
      log.info('operator stopped');
    },
  };
}

/** Creates the informers and controllers and connects events to work queues. */
function wire(base: Omit<OperatorContext, 'informers'>): Running {
  const { client, config, log, metrics } = base;
  const informer = <T extends KubeObject>(name: string, path: string, extra: Partial<InformerOptions> = {}) =>
    new Informer<T>(
      client,
      {
        name,
        path,
        resyncMs: config.resyncMs,
        watchTimeoutSeconds: config.watchTimeoutSeconds,
        silenceMs: config.watchSilenceMs,
        ...extra,
      },
      log,
      metrics.watch,
    );
  const managedBy = { labelSelector: `${managedByLabel}=${fieldManager}` };
  const ns = config.watchNamespace;
  // Workloads are watched only where the operator may write them: one informer per managed
  // namespace (all watched namespaces at once when none are configured).
  const workloadNamespaces = config.managedNamespaces.length
    ? config.managedNamespaces.filter((n) => ns === undefined || n === ns)
    : [ns];
  const workloads = (name: string, r: Resource, extra: Partial<InformerOptions>) =>
    new InformerGroup(
      name,
      workloadNamespaces.map((n) => informer(n ? `${name}/${n}` : name, resourcePath(r, n), extra)),
    );
  const informers: Informers = {
    fleets: informer<ShelfFleet & KubeObject>('shelffleets', resourcePath(resources.shelfFleets, ns)),
    sinks: informer<MetricSink & KubeObject>('metricsinks', resourcePath(resources.metricSinks, ns)),
    // The controllers read a StatefulSet's status and a ConfigMap's existence and owner only.
    statefulSets: workloads('statefulsets', resources.statefulSets, {
      ...managedBy,
      transform: ({ apiVersion, kind, metadata, status }) => ({ apiVersion, kind, metadata, status }),
    }),
    configMaps: workloads('configmaps', resources.configMaps, { ...managedBy, metadataOnly: true }),
  };
  const ctx: OperatorContext = { ...base, informers };
  const fleets = new Controller(
    { name: 'shelffleet', workers: config.workers, reconcile: (key) => reconcileShelfFleet(ctx, key) },
    log,
    metrics.controllers,
  );
  const sinks = new Controller(
    {
      name: 'metricsink',
      workers: Math.max(1, Math.ceil(config.workers / 2)),
      reconcile: (key) => reconcileMetricSink(ctx, key),
    },
    log,
    metrics.controllers,
  );

  // Status writes change neither the generation nor the metadata we look at: no reconcile for them.
  const specChanged = (a: KubeObject, b: KubeObject): boolean =>
    a.metadata?.generation !== b.metadata?.generation ||
    a.metadata?.deletionTimestamp !== b.metadata?.deletionTimestamp ||
    JSON.stringify(a.metadata?.finalizers) !== JSON.stringify(b.metadata?.finalizers);

  informers.fleets.on({
    added: (f) => fleets.enqueue(objectKey(f)),
    updated: (f, old) => specChanged(f, old) && fleets.enqueue(objectKey(f)),
    resync: (f) => fleets.enqueue(objectKey(f)),
  });

  const fleetsUsingSink = (namespace: string | undefined, name: string | undefined): void => {
    for (const f of informers.fleets.list()) {
      if (f.metadata.namespace === namespace && f.spec?.sinks?.includes(name ?? ''))
        fleets.enqueue(objectKey(f));
    }
  };
  const sinkReady = (s: MetricSink): string | undefined =>
    findCondition(s.status?.conditions, 'Ready')?.status;
  informers.sinks.on({
    added: (s) => {
      sinks.enqueue(objectKey(s));
      fleetsUsingSink(s.metadata.namespace, s.metadata.name);
    },
    updated: (s, old) => {
      if (specChanged(s, old)) sinks.enqueue(objectKey(s));
      if (sinkReady(s) !== sinkReady(old)) fleetsUsingSink(s.metadata.namespace, s.metadata.name);
    },
    deleted: (s) => fleetsUsingSink(s.metadata.namespace, s.metadata.name),
    resync: (s) => sinks.enqueue(objectKey(s)),
  });

  // A child changed or went away: its fleet puts it back.
  const owner = (o: KubeObject): void => {
    const ref = o.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'ShelfFleet');
    if (ref) fleets.enqueue(`${o.metadata?.namespace}/${ref.name}`);
  };
  for (const children of [informers.statefulSets, informers.configMaps]) {
    children.on({ added: owner, updated: owner, deleted: owner });
  }

  // Secrets are not watched: a list or watch of Secrets would hand out every Secret's
  // value, whatever the operator caches. Each reconcile reads the Secrets it names by
  // name, and fleets and sinks are checked again periodically, so a rotated or newly
  // opted-in Secret takes effect within subscriptionResyncMs / sinkCheckMs.

  const running: Running = {
    informers: Object.values(informers) as Cache<KubeObject>[],
    controllers: [fleets, sinks],
  };
  if (config.uninstallGate) {
    // One ConfigMap by name, in the operator's own namespace (the chart grants exactly that).
    const gates = informer('uninstall-gate', resourcePath(resources.configMaps, config.namespace), {
      fieldSelector: `metadata.name=${config.uninstallGate}`,
    });
    const uninstall = new Controller(
      { name: 'uninstall', workers: 1, reconcile: (key) => reconcileUninstallGate(ctx, gates, key) },
      log,
      metrics.controllers,
    );
    gates.on({
      added: (g) => uninstall.enqueue(objectKey(g)),
      updated: (g) => uninstall.enqueue(objectKey(g)),
    });
    running.informers.push(gates);
    running.controllers.push(uninstall);
  }
  return running;
}
