// Routing and sinks from the cluster: watches ShelfFleet and MetricSink
// resources (the operator's informer) and turns them into the bridge's fleet
// routes and sink configurations, credentials read from the named Secrets.
import type { Logger } from 'pino';
import { fleetEndpointPrefix } from '@shelfpulse/core/api/endpoint-prefix';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { readReferencedSecret } from '@shelfpulse/core/kube/secret-reference';
import { Informer } from '@shelfpulse/core/runtime/informer';
import type { WatchMetrics } from '@shelfpulse/core/runtime/watch-metrics';
import type { DeviceIdentity } from './devices.ts';
import { FleetRouteSchema, StaticRouter, type FleetRoute, type Router } from './routing.ts';
import { SinkConfigSchema, type SinkConfig } from './sink-config.ts';

type Fleet = ShelfFleet & KubeObject;
type Sink = MetricSink & KubeObject;

export interface KubeRoutingOptions {
  client: KubeClient;
  log: Logger;
  /** Where the bridge counts its watches' restarts (its own /metrics). */
  metrics: WatchMetrics;
  /** Watch one namespace; all namespaces when unset. */
  namespace?: string | undefined;
  resyncMs?: number;
  /** Called with the full sink list whenever it changes. */
  onSinks?: (sinks: SinkConfig[]) => void;
  /** How often the credentials Secrets are read again, so a rotated password takes effect. */
  secretRefreshMs?: number;
  /** Called whenever the fleets were rebuilt (a ShelfFleet changed), e.g. to record placements. */
  onRoutes?: () => void;
}

/** A MetricSink's name in the bridge: namespace and name, which together are unique. */
export const sinkName = (namespace: string, name: string): string => `${namespace}.${name}`;

export function fleetRoute(fleet: Fleet): FleetRoute {
  const namespace = fleet.metadata.namespace ?? 'default';
  const name = fleet.metadata.name ?? '';
  const { spec } = fleet;
  // A fleet without a prefix (devices chosen by endpoint type) routes by type alone.
  const prefix = fleetEndpointPrefix({ namespace, name, spec }) ?? '';
  return FleetRouteSchema.parse({
    fleet: name,
    namespace,
    store: spec.store,
    aisle: spec.aisle,
    devicePrefix: prefix,
    deviceType: spec.devices?.endpointType,
    sinks: spec.sinks.length > 0 ? spec.sinks.map((s) => sinkName(namespace, s)) : ['(none)'],
    placements: spec.placements,
  });
}

export class KubeRouting implements Router {
  private readonly options: KubeRoutingOptions;
  private readonly fleets: Informer<Fleet>;
  private readonly sinks: Informer<Sink>;
  private readonly router = new StaticRouter([]);
  private sinkKey = '';
  private refresh: NodeJS.Timeout | undefined;

  constructor(options: KubeRoutingOptions) {
    this.options = options;
    const informer = <T extends KubeObject>(r: typeof resources.shelfFleets, name: string) =>
      new Informer<T>(
        options.client,
        {
          path: resourcePath(r, options.namespace),
          name,
          resyncMs: options.resyncMs ?? 300_000,
          watchTimeoutSeconds: 300,
          silenceMs: 330_000,
        },
        options.log,
        options.metrics,
      );
    this.fleets = informer<Fleet>(resources.shelfFleets, 'shelffleets');
    this.sinks = informer<Sink>(resources.metricSinks, 'metricsinks');
    const changed = {
      added: () => this.rebuild(),
      updated: () => this.rebuild(),
      deleted: () => this.rebuild(),
    };
    this.fleets.on(changed);
    this.sinks.on(changed);
  }

  /** Starts watching; resolves once both caches are filled and the sinks are known. */
  async start(): Promise<SinkConfig[]> {
    this.fleets.start();
    this.sinks.start();
    await Promise.all([this.fleets.synced, this.sinks.synced]);
    this.rebuildRoutes();
    const sinks = await this.sinkConfigs();
    this.sinkKey = JSON.stringify(sinks);
    // Secrets are read by name (the bridge may not list or watch them): read them again now and then.
    this.refresh = setInterval(() => this.refreshSinks(), this.options.secretRefreshMs ?? 60_000);
    this.refresh.unref();
    return sinks;
  }

  async stop(): Promise<void> {
    clearInterval(this.refresh);
    await Promise.all([this.fleets.stop(), this.sinks.stop()]);
  }

  route(device: DeviceIdentity): FleetRoute | undefined {
    return this.router.route(device);
  }

  routes(): readonly FleetRoute[] {
    return this.router.routes();
  }

  private rebuildRoutes(): void {
    const routes: FleetRoute[] = [];
    for (const fleet of this.fleets.list()) {
      try {
        routes.push(fleetRoute(fleet));
      } catch (error) {
        this.options.log.warn(
          { fleet: fleet.metadata.name, err: error },
          'ShelfFleet not usable for routing',
        );
      }
    }
    this.router.update(routes);
    this.options.onRoutes?.();
  }

  private rebuild(): void {
    this.rebuildRoutes();
    this.refreshSinks();
  }

  /** Reads the sinks (and their Secrets) again; tells onSinks only when something changed. */
  private refreshSinks(): void {
    void this.sinkConfigs()
      .then((sinks) => {
        const key = JSON.stringify(sinks);
        if (key === this.sinkKey) return;
        this.sinkKey = key;
        this.options.onSinks?.(sinks);
      })
      .catch((error: unknown) => this.options.log.warn({ err: error }, 'reading MetricSinks failed'));
  }

  /** Every MetricSink as a sink configuration; one with a missing Secret is left out (and logged). */
  async sinkConfigs(): Promise<SinkConfig[]> {
    const configs: SinkConfig[] = [];
    for (const sink of this.sinks.list()) {
      const namespace = sink.metadata.namespace ?? 'default';
      const { spec } = sink;
      const credentials: Record<string, string> = {};
      const ref = spec.credentialsSecretRef;
      if (ref) {
        try {
          const values = await readReferencedSecret(
            this.options.client,
            namespace,
            ref.name,
            'spec.credentialsSecretRef',
            [ref.usernameKey, ref.passwordKey, ref.tokenKey],
          );
          for (const [field, key] of [
            ['username', ref.usernameKey],
            ['password', ref.passwordKey],
            ['token', ref.tokenKey],
          ] as const) {
            const value = values[key];
            if (value !== undefined) credentials[field] = value;
          }
        } catch (error) {
          this.options.log.warn(
            { sink: sink.metadata.name, err: String(error) },
            'credentials Secret not usable; sink left out',
          );
          continue;
        }
      }
      const parsed = SinkConfigSchema.safeParse({
        name: sinkName(namespace, sink.metadata.name ?? ''),
        url: spec.url,
        flavour: spec.flavour,
        database: spec.database,
        retentionPolicy: spec.retentionPolicy,
        org: spec.org ?? '',
        bucket: spec.bucket,
        batchSize: spec.batching.maxPoints,
        flushIntervalMs: spec.batching.flushIntervalMs,
        concurrency: spec.batching.concurrency,
        maxBufferPoints: spec.bufferMaxPoints,
        retryInitialMs: spec.retry.initialDelayMs,
        retryMaxMs: spec.retry.maxDelayMs,
        maxRetries: spec.retry.maxRetries,
        ...credentials,
      });
      if (parsed.success) configs.push(parsed.data);
      else
        this.options.log.warn(
          { sink: sink.metadata.name, issues: parsed.error.issues },
          'MetricSink not usable',
        );
    }
    return configs.sort((a, b) => a.name.localeCompare(b.name));
  }
}
