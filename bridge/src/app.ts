// The bridge as a running service: the data path, its HTTP side and, with a
// device cloud configured, the notification channel (webhook registration or
// long poll) and product-id reads. bin/bridge.ts adds signals around it.
import type { Logger } from 'pino';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '@shelfpulse/core/kube/client';
import { loadConnection } from '@shelfpulse/core/kube/connection';
import { LeaderElector, workloadOwner } from '@shelfpulse/core/runtime/leader-election';
import { KubeRouting } from './kube-routing.ts';
import { SinkStatusReporter } from './sink-status.ts';
import { HealthReporter } from './health-report.ts';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import { ActivePodLabel } from './active-label.ts';
import { backoffDelay } from './backoff.ts';
import { lastCounts } from './baseline.ts';
import { DeviceDirectory } from './devices.ts';
import { Bridge } from './bridge.ts';
import { DeviceCloudClient } from './cloud.ts';
import type { BridgeConfig } from './config.ts';
import { bridgeUserAgent } from './field-manager.ts';
import { BridgeHttpServer } from './http-server.ts';
import { LongPollIntake } from './long-poll.ts';
import { BridgeMetrics } from './metrics.ts';
import { PlacementEffectJob } from './placement-effect-job.ts';
import { PlacementHistory } from './placement-history.ts';
import { StaticRouter, type Router } from './routing.ts';

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

const productReadCooldownMs = 60_000;

export async function startBridgeApp(config: BridgeConfig, options: AppOptions): Promise<BridgeApp> {
  const { log } = options;
  const metrics = new BridgeMetrics({ defaults: true });
  const cloud = config.cloud
    ? new DeviceCloudClient({ ...config.cloud, log: log.child({ part: 'cloud' }) })
    : undefined;
  const lastRead = new Map<string, number>();
  let bridge: Bridge | undefined = undefined;
  const onUnknownProduct = (deviceId: string): void => {
    if (!cloud || Date.now() - (lastRead.get(deviceId) ?? 0) < productReadCooldownMs) return;
    lastRead.set(deviceId, Date.now());
    void cloud.readProductId(deviceId).then((id) => {
      if (id !== undefined && bridge && bridge.translator.productId(deviceId) === undefined)
        bridge.translator.setProductId(deviceId, id);
    });
  };
  let routing: KubeRouting | undefined;
  let sinks = config.sinks;
  // Set once the bridge runs; a fleet change before that is recorded at the first call.
  let recordPlacements = (): void => undefined;
  let kube: KubeClient | undefined;
  if (config.kube) {
    kube = new KubeClient(loadConnection(config.kube.kubeconfig), { userAgent: bridgeUserAgent });
  }
  if (config.kube?.routing && kube) {
    routing = new KubeRouting({
      client: kube,
      log: log.child({ part: 'routing' }),
      namespace: config.kube.namespace,
      onSinks: (next) => {
        bridge?.updateSinks(next);
        // A fleet whose MetricSink just arrived gets its placements now.
        recordPlacements();
      },
      onRoutes: () => recordPlacements(),
      secretRefreshMs: config.kube.secretRefreshMs,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              'ShelfFleet/MetricSink resources could not be listed in time: are the CRDs installed and may this ServiceAccount list them?',
            ),
          ),
        config.kube?.syncTimeoutMs,
      );
    });
    try {
      sinks = await Promise.race([routing.start(), timeout]);
    } catch (error) {
      await routing.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    log.info({ sinks: sinks.map((s) => s.name) }, 'fleets and sinks from the cluster');
  }
  const sdk = config.cloud ? new MbedSdkDeviceCloud(config.cloud) : undefined;
  const directory = new DeviceDirectory(sdk ? { list: () => sdk.listRegisteredDevices() } : {});
  const router = options.router ?? routing ?? new StaticRouter(config.fleets);
  bridge = new Bridge({
    directory,
    sinks,
    router,
    rules: { restockMinItems: config.restockMinItems },
    metrics,
    log,
    spoolDir: config.spool?.dir,
    busyWaitMs: config.webhook.busyWaitMs,
    spoolSegmentBytes: config.spool?.segmentBytes,
    onUnknownProduct,
    // Waiting helps only where the bridge can ask for the product id.
    productWaitMs: cloud ? config.productWaitMs : 0,
  });
  // Continue each device's counts from where InfluxDB has them (the spool, when newer, wins).
  // Every sink is asked at once (each read is bounded), so that sinks that never answer
  // cannot add up to delay a takeover; the answers apply in the sinks' order.
  const loadCounts = async (): Promise<void> => {
    const sinks = [...(bridge as Bridge).sinks.values()].map((w) => w.config);
    const answers = await Promise.allSettled(sinks.map((sink) => lastCounts(sink)));
    answers.forEach((answer, i) => {
      const sink = sinks[i]!;
      if (answer.status === 'rejected') {
        log.warn(
          { sink: sink.name, err: answer.reason },
          'could not load device counts; first counts will be baselines',
        );
        return;
      }
      const last = answer.value;
      const translator = (bridge as Bridge).translator;
      const seeded = translator.deriver.seed(last.devices);
      for (const [device, product] of Object.entries(last.products))
        if (translator.productId(device) === undefined) translator.setProductId(device, product);
      log.info({ sink: sink.name, devices: seeded }, 'device counts loaded from InfluxDB');
    });
  };
  // Without leader election this replica is the only consumer and active at once.
  let active = !config.leaderElection;
  // Placement history: every fleet's placements when this replica becomes active, then each change.
  const history = new PlacementHistory();
  recordPlacements = () => {
    if (!active || !router.routes) return;
    const { sinks: writers } = bridge as Bridge;
    (bridge as Bridge).writeOwn(history.changes(router.routes(), Date.now(), (sink) => writers.has(sink)));
  };
  if (active) {
    await loadCounts();
    recordPlacements();
  }
  let channelReady = config.mode === 'webhook' && !config.webhook.publicUrl;
  const server = new BridgeHttpServer({
    bridge,
    metrics,
    log,
    host: config.listen.host,
    port: config.listen.port,
    webhook:
      config.mode === 'webhook' && config.webhook.secret
        ? { ...config.webhook, secret: config.webhook.secret }
        : undefined,
    onMessage: (message) => cloud?.inject(message),
    ready: () => channelReady,
    active: () => active,
  });
  const url = await server.listen();
  log.info(
    { url, mode: config.mode, sinks: config.sinks.map((s) => s.name), spool: config.spool?.dir },
    'bridge listening',
  );

  let longPoll: LongPollIntake | undefined;
  const stopRegistering = new AbortController();
  let registering: Promise<void> | undefined;
  if (config.mode === 'webhook' && cloud && config.webhook.publicUrl && config.webhook.secret) {
    // Every replica registers the same URL and header: idempotent, so replicas never fight.
    // The cloud verifies the URL with a PUT through the bridge's Service, which
    // reaches only the Lease holder's pod once it has labelled itself: until
    // then, retry in the background; never exit.
    const { publicUrl, header, secret } = config.webhook;
    const register = async (): Promise<boolean> => {
      try {
        await cloud.registerWebhook(publicUrl, header, secret);
        channelReady = true;
        log.info({ url: publicUrl }, 'webhook registered');
        return true;
      } catch (error) {
        log.warn({ url: publicUrl, err: error }, 'webhook not registered yet; retrying');
        return false;
      }
    };
    // The first attempt is awaited, so the channel exists when the bridge is up.
    if (!(await register())) {
      registering = (async () => {
        for (let attempt = 0; !stopRegistering.signal.aborted; attempt++) {
          await sleep(backoffDelay(attempt, 1_000, 30_000), undefined, {
            signal: stopRegistering.signal,
          }).catch(() => undefined);
          if (stopRegistering.signal.aborted || (await register())) return;
        }
      })();
    }
  }
  const startLongPoll = async (): Promise<void> => {
    if (config.mode !== 'long-poll' || !cloud) return;
    if (!config.cloud) return;
    longPoll = new LongPollIntake({
      bridge: bridge as Bridge,
      apiUrl: config.cloud.apiUrl,
      apiKey: config.cloud.apiKey,
      metrics,
      log,
      onMessage: (message) => cloud.inject(message),
    });
    longPoll.start();
    channelReady = true;
  };
  const stopLongPoll = async (): Promise<void> => {
    channelReady = config.mode === 'webhook' && channelReady;
    await longPoll?.stop();
    longPoll = undefined;
  };

  const stopElection = new AbortController();
  let election: Promise<void> | undefined;
  if (config.leaderElection && kube) {
    const le = config.leaderElection;
    const podLabel = le.podName ? new ActivePodLabel(kube, le.namespace, le.podName, log) : undefined;
    const elector = new LeaderElector(
      kube,
      {
        namespace: le.namespace,
        name: le.lease,
        identity: le.identity ?? `${hostname()}-${process.pid}`,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        owner: le.ownerDeployment
          ? await workloadOwner(kube, le.namespace, le.ownerKind, le.ownerDeployment, log)
          : undefined,
      },
      log,
    );
    election = elector.run(
      stopElection.signal,
      async (leading) => {
        // The previous leader flushes its buffers on the way out: give it time,
        // then continue every device from the counts it wrote.
        await sleep(le.handoverMs, undefined, { signal: leading }).catch(() => undefined);
        if (leading.aborted) return;
        await loadCounts();
        if (leading.aborted) return;
        active = true;
        history.reset();
        recordPlacements();
        await podLabel?.set(true);
        // Leadership may have ended while labelling: the stop handler may have run already.
        if (leading.aborted) {
          await podLabel?.set(false);
          return;
        }
        await startLongPoll();
      },
      async () => {
        active = false;
        await podLabel?.set(false);
        await stopLongPoll();
      },
    );
  } else {
    await startLongPoll();
  }

  const reporter =
    routing && kube && config.kube
      ? new SinkStatusReporter({
          client: kube,
          metrics,
          log,
          intervalMs: config.kube.statusIntervalMs,
          active: () => active,
        })
      : undefined;
  reporter?.start();

  // Static fleets report from the start; fleets from ShelfFleets from their first notification.
  if (!options.router && !routing) bridge.translator.fleets.addRoutes(config.fleets);
  const health =
    config.healthIntervalMs > 0
      ? new HealthReporter({
          bridge,
          metrics,
          log: log.child({ part: 'health' }),
          pod: config.leaderElection?.identity ?? hostname(),
          intervalMs: config.healthIntervalMs,
          active: () => active,
          // With routing from the cluster every sink is a MetricSink named `<namespace>.<name>`.
          sinkNamespace: (sink) => (routing ? sink.slice(0, Math.max(0, sink.indexOf('.'))) : ''),
        })
      : undefined;
  health?.start();
  const placementEffect = new PlacementEffectJob({
    bridge,
    config: config.placementEffect,
    log: log.child({ part: 'placement-effect' }),
    active: () => active,
  });
  placementEffect.start();

  const close = async (graceMs = config.shutdownGraceMs): Promise<number> => {
    channelReady = false;
    stopRegistering.abort();
    await registering;
    await stopLongPoll();
    await health?.stop();
    await placementEffect.stop();
    const [, left] = await Promise.all([server.close(graceMs + 1000), (bridge as Bridge).close(graceMs)]);
    await reporter?.stop();
    stopElection.abort();
    await election;
    await routing?.stop();
    return left;
  };
  return { url, bridge, metrics, close, routing, placementEffect };
}
