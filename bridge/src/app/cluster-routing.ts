// Fleets and sinks from the cluster (ShelfFleet and MetricSink resources) for
// a bridge about to start: its first sinks are what the watches list, so they
// must be listed, within kube.syncTimeoutMs, before the bridge can exist.
// Changes after that go to whoever follows them: the running bridge.
import type { Logger } from 'pino';
import type { KubeClient } from '@shelfpulse/core/kube/client';
import type { WatchMetrics } from '@shelfpulse/core/runtime/watch-metrics';
import type { BridgeConfig } from '../config.ts';
import { KubeRouting } from '../kube-routing.ts';
import type { SinkConfig } from '../sink-config.ts';

export type KubeSettings = NonNullable<BridgeConfig['kube']>;

/** What the running bridge does when the cluster's fleets or sinks change. */
export interface RoutingFollower {
  sinksChanged(sinks: SinkConfig[]): void;
  routesChanged(): void;
}

export class ClusterRouting {
  readonly router: KubeRouting;
  private listed: SinkConfig[] = [];
  private follower: RoutingFollower | undefined;

  private constructor(client: KubeClient, settings: KubeSettings, watch: WatchMetrics, log: Logger) {
    this.router = new KubeRouting({
      client,
      log,
      metrics: watch,
      namespace: settings.namespace,
      onSinks: (sinks) => {
        this.listed = sinks;
        this.follower?.sinksChanged(sinks);
      },
      onRoutes: () => this.follower?.routesChanged(),
      secretRefreshMs: settings.secretRefreshMs,
    });
  }

  /** Watches the resources; throws (watches stopped) when they cannot be listed in time. */
  static async start(
    client: KubeClient,
    settings: KubeSettings,
    watch: WatchMetrics,
    log: Logger,
  ): Promise<ClusterRouting> {
    const cluster = new ClusterRouting(client, settings, watch, log);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              'ShelfFleet/MetricSink resources could not be listed in time: are the CRDs installed and may this ServiceAccount list them?',
            ),
          ),
        settings.syncTimeoutMs,
      );
    });
    try {
      cluster.listed = await Promise.race([cluster.router.start(), timeout]);
    } catch (error) {
      await cluster.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    log.info({ sinks: cluster.listed.map((s) => s.name) }, 'fleets and sinks from the cluster');
    return cluster;
  }

  /** The sinks as last listed: what the bridge starts with. */
  get sinks(): SinkConfig[] {
    return this.listed;
  }

  /** From now on, changes go to `follower`. */
  follow(follower: RoutingFollower): void {
    this.follower = follower;
  }

  stop(): Promise<void> {
    return this.router.stop();
  }
}
