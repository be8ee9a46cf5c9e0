// The device-cloud emulator: an LwM2M server (CoAP/UDP) for the shelves and
// the Mbed Cloud Connect API (HTTP) for applications, in one process.
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Channels } from './channels.ts';
import { parseDeviceCloudConfig, type DeviceCloudConfig, type DeviceCloudConfigInput } from './config.ts';
import { ConnectService } from './connect-service.ts';
import { DeviceLink } from './device-link.ts';
import { DeviceRegistry, deviceIdFor } from './device-registry.ts';
import { startHttpServer } from './http-server.ts';
import { startLwm2mServer } from './lwm2m-server.ts';
import { createMetrics } from './metrics.ts';
import type { RouteDeps } from './route.ts';
import { deviceRequestRoutes } from './routes/device-requests.ts';
import { deviceRoutes } from './routes/devices.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { Subscriptions } from './subscriptions.ts';

export type { DeviceCloudConfig, DeviceCloudConfigInput } from './config.ts';

export interface DeviceCloud {
  /** Base URL of the Connect API, e.g. http://127.0.0.1:41234 (the SDK's `host`). */
  url: string;
  /** Where LwM2M clients register: coap://host:port/rd */
  coap: { host: string; port: number };
  metrics: Registry;
  config: DeviceCloudConfig;
  /** The device directory, for tests that need to look inside. */
  registry: DeviceRegistry;
  close(): Promise<void>;
}

export async function startDeviceCloud(
  input: DeviceCloudConfigInput,
  options: { logger?: Logger } = {},
): Promise<DeviceCloud> {
  const config = parseDeviceCloudConfig(input);
  const log = options.logger ?? pino({ name: 'device-cloud', level: config.logLevel });
  const metrics = createMetrics();
  const registry = new DeviceRegistry(config.deviceIds === 'derived' ? deviceIdFor : (ep) => ep);
  const subscriptions = new Subscriptions();
  const channels = new Channels(config, metrics, log);

  const lwm2m = await startLwm2mServer({
    ...config.coap,
    maxDevices: config.device.maxDevices,
    registry,
    metrics,
    log,
  });
  const service = new ConnectService({
    registry,
    subscriptions,
    channels,
    link: new DeviceLink(lwm2m.agent, config.device.requestTimeoutMs),
    apiKeys: config.apiKeys,
    deviceQueueSize: config.device.queueSize,
    metrics,
    log,
  });
  const deps: RouteDeps = { registry, subscriptions, channels, service, config };
  let http;
  try {
    http = await startHttpServer({
      ...config.http,
      apiKeys: config.apiKeys,
      routes: [
        ...deviceRoutes(deps),
        ...endpointRoutes(deps),
        ...subscriptionRoutes(deps),
        ...deviceRequestRoutes(deps),
        ...notificationRoutes(deps),
      ],
      metrics,
      log,
    });
  } catch (err) {
    await lwm2m.close();
    throw err;
  }
  const expiry = setInterval(
    () => {
      registry.expire(Date.now(), config.device.lifetimeGraceMs);
      channels.expireIdle(Date.now(), config.longPoll.channelExpiryMs);
    },
    Math.min(config.device.lifetimeCheckIntervalMs, config.longPoll.channelExpiryMs),
  );
  log.info({ url: http.url, coap: `coap://${lwm2m.host}:${lwm2m.port}` }, 'device cloud listening');

  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    coap: { host: lwm2m.host, port: lwm2m.port },
    metrics: metrics.registry,
    config,
    registry,
    close: () =>
      (closing ??= (async () => {
        clearInterval(expiry);
        channels.closeAll();
        service.close();
        await http.close();
        await lwm2m.close();
      })()),
  };
}
