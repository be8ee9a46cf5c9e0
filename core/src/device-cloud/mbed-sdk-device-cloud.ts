// DeviceCloud through the official mbed-cloud-sdk's REST layer
// (lib/legacy/_api): SubscriptionsApi for pre-subscriptions and per-resource
// subscriptions, the device directory's DefaultApi for the device list. Not
// ConnectApi: it loads the whole SDK (408 modules against 126, about 4 MiB more
// resident), and its addResourceSubscription opens a long-poll notification
// channel first, which belongs to the bridge, not to the operator.
import { createRequire } from 'node:module';
import {
  DeviceCloudError,
  type DeviceCloud,
  type DeviceCloudConnection,
  type Presubscription,
  type RegisteredDevice,
} from './device-cloud.ts';

type Callback<T> = (error: unknown, data: T) => void;
/** A pre-subscription entry as the REST API spells it. */
interface RestPresubscription {
  'endpoint-name'?: string;
  'endpoint-type'?: string;
  'resource-path'?: string[];
}
interface DevicePage {
  data: Array<{
    id: string;
    name?: string | null;
    endpoint_name?: string | null;
    endpoint_type?: string | null;
  }>;
  has_more: boolean;
}
interface SubscriptionsApi {
  getPreSubscriptions(cb: Callback<RestPresubscription[]>): void;
  updatePreSubscriptions(entries: RestPresubscription[], cb: Callback<unknown>): void;
  addResourceSubscription(deviceId: string, path: string, cb: Callback<unknown>): void;
  deleteResourceSubscription(deviceId: string, path: string, cb: Callback<unknown>): void;
}
interface DeviceDirectoryApi {
  deviceList(
    limit: number,
    order: undefined,
    after: string | undefined,
    filter: string,
    include: undefined,
    cb: Callback<DevicePage>,
  ): void;
}
type ApiClass<T> = new (options: { apiKey: string; host: string }) => T;

// The SDK is loaded on the first device-cloud call, not with this module: it
// adds about 15 MiB to the process, and an operator whose fleets make no
// device-cloud call (none yet, or all without devices) need not carry it.
const require = createRequire(import.meta.url);
let sdk: { Subscriptions: ApiClass<SubscriptionsApi>; Devices: ApiClass<DeviceDirectoryApi> } | undefined;
const loadSdk = (): NonNullable<typeof sdk> =>
  (sdk ??= {
    Subscriptions: (
      require('mbed-cloud-sdk/lib/legacy/_api/mds.js') as { SubscriptionsApi: ApiClass<SubscriptionsApi> }
    ).SubscriptionsApi,
    Devices: (
      require('mbed-cloud-sdk/lib/legacy/_api/device_directory.js') as {
        DefaultApi: ApiClass<DeviceDirectoryApi>;
      }
    ).DefaultApi,
  });

export class MbedSdkDeviceCloud implements DeviceCloud {
  private readonly options: { apiKey: string; host: string };
  private readonly url: string;
  private apis: { subscriptions: SubscriptionsApi; devices: DeviceDirectoryApi } | undefined;

  constructor(connection: DeviceCloudConnection) {
    this.options = { apiKey: connection.apiKey, host: connection.apiUrl.replace(/\/$/, '') };
    this.url = this.options.host;
  }

  private sdk(): { subscriptions: SubscriptionsApi; devices: DeviceDirectoryApi } {
    const { Subscriptions, Devices } = loadSdk();
    return (this.apis ??= {
      subscriptions: new Subscriptions(this.options),
      devices: new Devices(this.options),
    });
  }

  async listPresubscriptions(): Promise<Presubscription[]> {
    const entries = await this.callback<RestPresubscription[]>((cb) =>
      this.sdk().subscriptions.getPreSubscriptions(cb),
    );
    return (entries ?? []).map((e) => ({
      endpointName: e['endpoint-name'],
      endpointType: e['endpoint-type'],
      resourcePaths: e['resource-path'],
    }));
  }

  async updatePresubscriptions(entries: Presubscription[]): Promise<void> {
    const body = entries.map((e) => ({
      ...(e.endpointName ? { 'endpoint-name': e.endpointName } : {}),
      ...(e.endpointType ? { 'endpoint-type': e.endpointType } : {}),
      ...(e.resourcePaths?.length ? { 'resource-path': e.resourcePaths } : {}),
    }));
    await this.callback((cb) => this.sdk().subscriptions.updatePreSubscriptions(body, cb));
  }

  async listRegisteredDevices(): Promise<RegisteredDevice[]> {
    const devices: RegisteredDevice[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.callback<DevicePage>((cb) =>
        this.sdk().devices.deviceList(1000, undefined, after, 'state=registered', undefined, cb),
      );
      const data = page?.data ?? [];
      for (const d of data) {
        devices.push({
          id: d.id,
          endpointName: d.endpoint_name ?? d.name ?? d.id,
          endpointType: d.endpoint_type ?? undefined,
        });
      }
      if (!page?.has_more || data.length === 0) return devices;
      after = data[data.length - 1]!.id;
    }
  }

  async subscribe(deviceId: string, resourcePath: string): Promise<boolean> {
    // 200 subscribed, 202 accepted (the device's answer follows on the channel);
    // 412 the resource is not observable (a static product id: the bridge reads it);
    // 404 no such device or resource, or the device refused.
    const { subscriptions } = this.sdk();
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
    const { subscriptions } = this.sdk();
    await this.callback(
      (cb) => subscriptions.deleteResourceSubscription(deviceId, trimSlash(resourcePath), cb),
      [404],
    );
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
