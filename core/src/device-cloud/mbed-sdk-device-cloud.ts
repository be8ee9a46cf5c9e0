// DeviceCloud through the official mbed-cloud-sdk. Pre-subscriptions and the
// device list go through ConnectApi; per-resource subscriptions go through the
// SDK's REST layer (SubscriptionsApi), because ConnectApi.addResourceSubscription
// opens a long-poll notification channel first, and the notification channel
// belongs to the bridge, not to the operator.
import { createRequire } from 'node:module';
import type { ConnectApi } from 'mbed-cloud-sdk';
import {
  DeviceCloudError,
  type DeviceCloud,
  type DeviceCloudConnection,
  type Presubscription,
  type RegisteredDevice,
} from './device-cloud.ts';

type Callback<T> = (error: unknown, data: T) => void;
interface SubscriptionsApi {
  addResourceSubscription(deviceId: string, path: string, cb: Callback<unknown>): void;
  deleteResourceSubscription(deviceId: string, path: string, cb: Callback<unknown>): void;
}
interface SdkClients {
  connect: ConnectApi;
  subscriptions: SubscriptionsApi;
}

// The SDK is loaded on the first device-cloud call, not with this module: it
// adds about 20 MiB to the process, and an operator whose fleets make no
// device-cloud call (none yet, or all without devices) need not carry it.
interface SdkModules {
  ConnectApi: typeof ConnectApi;
  SubscriptionsApi: new (options: { apiKey: string; host: string }) => SubscriptionsApi;
}
const require = createRequire(import.meta.url);
let sdk: Promise<SdkModules> | undefined;
const loadSdk = (): Promise<SdkModules> =>
  (sdk ??= import('mbed-cloud-sdk').then(({ ConnectApi }) => ({
    ConnectApi,
    SubscriptionsApi: (
      require('mbed-cloud-sdk/lib/legacy/_api/mds.js') as { SubscriptionsApi: SdkModules['SubscriptionsApi'] }
    ).SubscriptionsApi,
  })));

export class MbedSdkDeviceCloud implements DeviceCloud {
  private readonly options: { apiKey: string; host: string };
  private readonly url: string;
  private clients: Promise<SdkClients> | undefined;

  constructor(connection: DeviceCloudConnection) {
    this.options = { apiKey: connection.apiKey, host: connection.apiUrl.replace(/\/$/, '') };
    this.url = this.options.host;
  }

  private sdk(): Promise<SdkClients> {
    return (this.clients ??= loadSdk().then(({ ConnectApi, SubscriptionsApi }) => ({
      connect: new ConnectApi({ ...this.options, autostartNotifications: false, skipCleanup: true }),
      subscriptions: new SubscriptionsApi(this.options),
    })));
  }

  async listPresubscriptions(): Promise<Presubscription[]> {
    const entries = await this.call((connect) => connect.listPresubscriptions());
    return entries.map((e) => ({
      endpointName: e.deviceId,
      endpointType: e.deviceType,
      resourcePaths: e.resourcePaths,
    }));
  }

  async updatePresubscriptions(entries: Presubscription[]): Promise<void> {
    await this.call((connect) =>
      connect.updatePresubscriptions(
        entries.map((e) => ({
          ...(e.endpointName ? { deviceId: e.endpointName } : {}),
          ...(e.endpointType ? { deviceType: e.endpointType } : {}),
          ...(e.resourcePaths?.length ? { resourcePaths: e.resourcePaths } : {}),
        })),
      ),
    );
  }

  async listRegisteredDevices(): Promise<RegisteredDevice[]> {
    const devices: RegisteredDevice[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.call((connect) =>
        connect.listConnectedDevices({ limit: 1000, ...(after ? { after } : {}) }),
      );
      for (const d of page.data) {
        devices.push({ id: d.id, endpointName: d.alias ?? d.name ?? d.id, endpointType: d.deviceType });
      }
      if (!page.hasMore || page.data.length === 0) return devices;
      after = page.data[page.data.length - 1]!.id;
    }
  }

  async subscribe(deviceId: string, resourcePath: string): Promise<boolean> {
    // 200 subscribed, 202 accepted (the device's answer follows on the channel);
    // 412 the resource is not observable (a static product id: the bridge reads it);
    // 404 no such device or resource, or the device refused.
    const { subscriptions } = await this.sdk();
    const outcome = await new Promise<boolean>((resolve, reject) => {
      subscriptions.addResourceSubscription(deviceId, trimSlash(resourcePath), (error) => {
        const status = error ? statusOf(error) : 200;
        if (!error || status === 412) resolve(true);
        else if (status === 404) resolve(false);
        else reject(this.classify(error));
      });
    });
    return outcome;
  }

  async unsubscribe(deviceId: string, resourcePath: string): Promise<void> {
    const { subscriptions } = await this.sdk();
    await this.callback(
      (cb) => subscriptions.deleteResourceSubscription(deviceId, trimSlash(resourcePath), cb),
      [404],
    );
  }

  private async call<T>(fn: (connect: ConnectApi) => Promise<T>): Promise<T> {
    const { connect } = await this.sdk();
    try {
      return await fn(connect);
    } catch (error) {
      throw this.classify(error);
    }
  }

  /** Runs a callback-style SDK call; listed status codes count as "nothing there". */
  private callback<T>(fn: (cb: Callback<T>) => void, nothingThere: number[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      fn((error, data) => {
        if (!error) return resolve(data);
        if (nothingThere.includes(statusOf(error) ?? -1)) return resolve(undefined);
        reject(this.classify(error));
      });
    });
  }

  private classify(error: unknown): DeviceCloudError {
    const status = statusOf(error);
    const detail = (error as { message?: string }).message ?? String(error);
    if (status === 401 || status === 403) {
      return new DeviceCloudError(
        'DeviceCloudUnauthorized',
        `the device cloud at ${this.url} refused the API key (${status})`,
        {
          cause: error,
        },
      );
    }
    if (status === undefined || status === 0 || status >= 502) {
      return new DeviceCloudError(
        'DeviceCloudUnreachable',
        `the device cloud at ${this.url} is unreachable: ${detail}`,
        {
          cause: error,
        },
      );
    }
    return new DeviceCloudError(
      'DeviceCloudError',
      `the device cloud at ${this.url} answered ${status}: ${detail}`,
      {
        cause: error,
      },
    );
  }
}

function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; status?: unknown; details?: { code?: unknown } };
  for (const v of [e.code, e.status, e.details?.code]) if (typeof v === 'number') return v;
  return undefined;
}

const trimSlash = (p: string): string => p.replace(/^\//, '');
