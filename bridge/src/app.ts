// The bridge as a running service: the data path, its HTTP side and, with a
// device cloud configured, the notification channel (webhook registration or
// long poll) and product-id reads; with cluster access, routing from the
// custom resources, MetricSink status and leader election. Each part is built
// by its own unit in app/; this file puts them together in start-up order.
// bin/bridge.ts adds signals around it.
import type { Logger } from 'pino';
import { KubeClient } from '@shelfpulse/core/kube/client';
import { loadConnection } from '@shelfpulse/core/kube/connection';
import { ActiveReplica } from './app/active-replica.ts';
import { ClusterRouting } from './app/cluster-routing.ts';
import { Leadership } from './app/leadership.ts';
import { notificationChannel, type NotificationChannel } from './app/notification-channel.ts';
import { ProductIdReads } from './app/product-reads.ts';
import { startReports } from './app/reports.ts';
import { RunningBridge } from './app/running-bridge.ts';
import { Bridge } from './bridge.ts';
import { bridgeCredentials, type BridgeCredentials } from './bridge-credentials.ts';
import { DeviceCloudClient } from './cloud.ts';
import type { BridgeConfig } from './config.ts';
import { DeviceDirectory } from './devices.ts';
import { bridgeUserAgent } from './field-manager.ts';
import { BridgeHttpServer } from './http-server.ts';
import type { KubeRouting } from './kube-routing.ts';
import { BridgeMetrics } from './metrics.ts';
import type { PlacementEffectJob } from './placement-effect-job.ts';
import { StaticRouter, type Router } from './routing.ts';
import type { SinkConfig } from './sink-config.ts';

export interface BridgeApp {
  url: string;
  routing?: KubeRouting | undefined;
  bridge: Bridge;
  metrics: BridgeMetrics;
  /** The periodic placement estimate (runOnce for an estimate now). */
  placementEffect: PlacementEffectJob;
  /** Stops intake, writes what is buffered within the grace period; returns points left unwritten. */
  close(graceMs?: number): Promise<number>;
}

export interface AppOptions {
  log: Logger;
  /** Routing other than the configuration's fleets (e.g. from ShelfFleet resources). */
  router?: Router;
}

export async function startBridgeApp(config: BridgeConfig, options: AppOptions): Promise<BridgeApp> {
  const { log } = options;
  const metrics = new BridgeMetrics({ defaults: true });
  const kube = config.kube
    ? new KubeClient(loadConnection(config.kube.kubeconfig), { userAgent: bridgeUserAgent })
    : undefined;
  const cluster =
    kube && config.kube?.routing
      ? await ClusterRouting.start(kube, config.kube, metrics.watch, log.child({ part: 'routing' }))
      : undefined;
  const credentials = bridgeCredentials(config, log);
  const cloud =
    config.cloud && credentials.apiKey
      ? new DeviceCloudClient({
          apiUrl: config.cloud.apiUrl,
          apiKey: credentials.apiKey,
          log: log.child({ part: 'cloud' }),
        })
      : undefined;
  const router = options.router ?? cluster?.router ?? new StaticRouter(config.fleets);
  const bridge = buildBridge(config, { sinks: cluster?.sinks ?? config.sinks, router, cloud, metrics, log });
  // Static fleets report health from the start; fleets from ShelfFleets from their first notification.
  if (!options.router && !cluster) bridge.translator.fleets.addRoutes(config.fleets);

  const replica = new ActiveReplica(bridge, router, log);
  cluster?.follow({
    sinksChanged: (sinks) => {
      bridge.updateSinks(sinks);
      // A fleet whose MetricSink just arrived gets its placements now.
      replica.recordPlacements();
    },
    routesChanged: () => replica.recordPlacements(),
  });
  // Without leader election this replica is the only consumer and active from the start.
  if (!config.leaderElection) await replica.activate();

  const channel = notificationChannel(config, { bridge, cloud, credentials, metrics, log });
  const server = httpServer(config, { bridge, metrics, log, cloud, credentials, channel, replica });
  const url = await server.listen();
  log.info(
    { url, mode: config.mode, sinks: config.sinks.map((s) => s.name), spool: config.spool?.dir },
    'bridge listening',
  );
  await channel.open();
  const leadership =
    config.leaderElection && kube
      ? await Leadership.start({ kube, settings: config.leaderElection, replica, channel, log })
      : undefined;
  if (!leadership) await channel.resume();

  const reports = startReports(config, {
    bridge,
    metrics,
    log,
    clusterSinks: cluster ? kube : undefined,
    active: () => replica.isActive,
  });
  return new RunningBridge({
    url,
    bridge,
    metrics,
    server,
    channel,
    reports,
    leadership,
    cluster,
    shutdownGraceMs: config.shutdownGraceMs,
  });
}

interface BridgeInputs {
  sinks: SinkConfig[];
  router: Router;
  cloud: DeviceCloudClient | undefined;
  metrics: BridgeMetrics;
  log: Logger;
}

/** The data path; with a device cloud, devices are looked up and product ids read through it. */
function buildBridge(config: BridgeConfig, { sinks, router, cloud, metrics, log }: BridgeInputs): Bridge {
  const productIds = cloud ? new ProductIdReads(cloud) : undefined;
  return new Bridge({
    directory: new DeviceDirectory(cloud ? { list: () => cloud.listRegisteredDevices() } : {}),
    sinks,
    router,
    rules: { restockMinItems: config.restockMinItems },
    metrics,
    log,
    spoolDir: config.spool?.dir,
    busyWaitMs: config.webhook.busyWaitMs,
    spoolSegmentBytes: config.spool?.segmentBytes,
    readProductId: (device) => productIds?.read(device),
    // Waiting helps only where the bridge can ask for the product id.
    productWaitMs: cloud ? config.productWaitMs : 0,
  });
}

interface HttpInputs {
  bridge: Bridge;
  metrics: BridgeMetrics;
  log: Logger;
  cloud: DeviceCloudClient | undefined;
  credentials: BridgeCredentials;
  channel: NotificationChannel;
  replica: ActiveReplica;
}

/**
 * The webhook (in webhook mode), /metrics, /healthz and /readyz: ready when
 * the channel is there; deliveries are taken only while this replica is active.
 */
function httpServer(config: BridgeConfig, inputs: HttpInputs): BridgeHttpServer {
  const { bridge, metrics, log, cloud, credentials, channel, replica } = inputs;
  return new BridgeHttpServer({
    bridge,
    metrics,
    log,
    host: config.listen.host,
    port: config.listen.port,
    webhook:
      config.mode === 'webhook' && credentials.webhookSecret
        ? { ...config.webhook, secret: credentials.webhookSecret }
        : undefined,
    onMessage: (message) => cloud?.inject(message),
    ready: () => channel.ready,
    active: () => replica.isActive,
  });
}
