// What happens between devices and applications: lifecycle events go to every
// channel, observations follow the subscriptions, notifications and device
// request results go to the channel of the API key that asked for them.
import type { Logger } from 'pino';
import { ApiError } from './api-error.ts';
import type { Channels } from './channels.ts';
import type { Device, DeviceRegistry } from './device-registry.ts';
import {
  DeviceTimeoutError,
  type DeviceLink,
  type DeviceRequest,
  type DeviceResponse,
} from './device-link.ts';
import type { Metrics } from './metrics.ts';
import type { AsyncResponse, EndpointData } from './notification-message.ts';
import type { Subscriptions } from './subscriptions.ts';

export function endpointData(device: Device): EndpointData {
  return {
    ep: device.id,
    'original-ep': device.endpointName,
    ept: device.endpointType,
    q: device.binding.includes('Q'),
    resources: device.links.map((l) => ({
      path: l.path,
      ...(typeof l.attributes['rt'] === 'string' ? { rt: l.attributes['rt'] } : {}),
      ...(typeof l.attributes['ct'] === 'string' ? { ct: l.attributes['ct'] } : {}),
      ...(typeof l.attributes['if'] === 'string' ? { if: l.attributes['if'] } : {}),
      obs: l.attributes['obs'] !== undefined,
    })),
  };
}

/** HTTP-style status of a device's CoAP answer, as in AsyncIDResponse. */
export function asyncStatus(code: string): number {
  const [cls, detail] = code.split('.').map(Number);
  if (cls === 2) return 200;
  if (cls === 4 && detail !== undefined) return 400 + detail;
  return 502;
}

export class ConnectService {
  private readonly observations = new Map<string, Map<string, (tellDevice: boolean) => void>>();
  private readonly pending = new Map<string, number>();
  private readonly registry: DeviceRegistry;
  private readonly subscriptions: Subscriptions;
  private readonly channels: Channels;
  private readonly link: DeviceLink;
  private readonly apiKeys: readonly string[];
  private readonly deviceQueueSize: number;
  private readonly metrics: Metrics;
  private readonly log: Logger;

  constructor(options: {
    registry: DeviceRegistry;
    subscriptions: Subscriptions;
    channels: Channels;
    link: DeviceLink;
    apiKeys: readonly string[];
    deviceQueueSize: number;
    metrics: Metrics;
    log: Logger;
  }) {
    this.registry = options.registry;
    this.subscriptions = options.subscriptions;
    this.channels = options.channels;
    this.link = options.link;
    this.apiKeys = options.apiKeys;
    this.deviceQueueSize = options.deviceQueueSize;
    this.metrics = options.metrics;
    this.log = options.log;
    this.registry.on('registered', (d) => this.onRegistered(d));
    this.registry.on('updated', (d) => this.onUpdated(d));
    this.registry.on('deregistered', (d) => this.onGone(d, 'de-registrations'));
    this.registry.on('expired', (d) => this.onGone(d, 'registrations-expired'));
  }

  private refreshGauge(): void {
    this.metrics.registeredDevices.set(this.registry.registeredCount());
  }

  private onRegistered(device: Device): void {
    // A full registration means the client starts afresh: its observations are
    // gone and, as in the real service, so are the manual subscriptions.
    this.stopObservations(device.id, false);
    this.subscriptions.dropDevice(device.id);
    this.refreshGauge();
    this.channels.publishAll({ kind: 'registrations', entry: endpointData(device) });
    this.syncObservations(device);
  }

  private onUpdated(device: Device): void {
    this.channels.publishAll({ kind: 'reg-updates', entry: endpointData(device) });
    this.syncObservations(device);
  }

  private onGone(device: Device, kind: 'de-registrations' | 'registrations-expired'): void {
    // De-registrations are counted where the CoAP request is answered.
    if (kind === 'registrations-expired') this.metrics.registrations.inc({ kind: 'expire' });
    this.stopObservations(device.id, false);
    this.subscriptions.dropDevice(device.id);
    this.refreshGauge();
    this.channels.publishAll({ kind, entry: device.id });
  }

  /** Observes exactly the paths some API key is subscribed to. */
  syncObservations(device: Device): void {
    if (device.state !== 'registered') return;
    const wanted = this.subscriptions.wantedPaths(device, this.apiKeys);
    let current = this.observations.get(device.id);
    if (!current) this.observations.set(device.id, (current = new Map()));
    for (const [path, cancel] of current) {
      if (!wanted.has(path)) {
        cancel(true);
        current.delete(path);
      }
    }
    for (const path of wanted) {
      if (current.has(path)) continue;
      const observations = current;
      const cancel = this.link.observe(
        device,
        path,
        (value) => this.onValue(device, path, value),
        (reason) => {
          if (observations.get(path) === cancel) observations.delete(path);
          this.log.info({ id: device.id, path, reason }, 'observation ended');
        },
      );
      current.set(path, cancel);
    }
  }

  private stopObservations(deviceId: string, tellDevice: boolean): void {
    for (const cancel of this.observations.get(deviceId)?.values() ?? []) cancel(tellDevice);
    this.observations.delete(deviceId);
  }

  private onValue(device: Device, path: string, value: DeviceResponse): void {
    const current = this.registry.getRegistered(device.id);
    if (current !== device) return;
    for (const key of this.apiKeys) {
      if (!this.subscriptions.isSubscribed(key, device, path)) continue;
      this.channels.publish(key, {
        kind: 'notifications',
        entry: {
          ep: device.id,
          path,
          payload: value.payload.toString('base64'),
          ct: value.contentType,
          'max-age': value.maxAge ?? 60,
        },
      });
    }
  }

  /** Queues a request to the device; its result arrives on the key's channel as an async response. */
  deviceRequest(key: string, device: Device, asyncId: string, request: DeviceRequest): void {
    const pending = this.pending.get(device.id) ?? 0;
    if (pending >= this.deviceQueueSize) {
      throw new ApiError(429, `the request queue of device ${device.id} is full (${pending} pending)`, {
        reason: 'device_queue_full',
      });
    }
    this.pending.set(device.id, pending + 1);
    void this.link
      .send(device, request)
      .then(
        (res): AsyncResponse => {
          const status = asyncStatus(res.code);
          return {
            id: asyncId,
            status,
            ...(status >= 400
              ? { error: res.payload.toString('utf8') || `device answered ${res.code}` }
              : {}),
            payload: res.payload.toString('base64'),
            ct: res.contentType,
            'max-age': res.maxAge ?? 60,
          };
        },
        (err: unknown): AsyncResponse =>
          err instanceof DeviceTimeoutError
            ? { id: asyncId, status: 504, error: 'TIMEOUT' }
            : { id: asyncId, status: 502, error: `REQUEST_FAILED: ${(err as Error).message}` },
      )
      .then((entry) => {
        this.metrics.deviceRequests.inc({ method: request.method, status: String(entry.status) });
        this.channels.publish(key, { kind: 'async-responses', entry });
      })
      .finally(() => {
        const left = (this.pending.get(device.id) ?? 1) - 1;
        if (left > 0) this.pending.set(device.id, left);
        else this.pending.delete(device.id);
      });
  }

  close(): void {
    for (const id of [...this.observations.keys()]) this.stopObservations(id, false);
  }
}
