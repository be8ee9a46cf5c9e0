// What happens between devices and applications: lifecycle events go to every
// channel, observations follow the subscriptions, notifications and device
// request results go to the channel of the API key that asked for them.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError } from './api-error.ts';
import type { Channels } from './channels.ts';
import type { Device, DeviceRegistry } from './device-registry.ts';
import {
  DeviceTimeoutError,
  type DeviceLink,
  type ObserveEnd,
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

/** One observation of a device resource, shared by every key subscribed to it. */
interface Observation {
  cancel: (tellDevice: boolean) => void;
  /** The device accepted it (its first value arrived). */
  established: boolean;
  /** Manual subscriptions waiting for the device's answer. */
  waiting: Waiter[];
}

/** A manual subscription waiting for the device: answered in the HTTP reply while `answer` is set, else on the channel. */
interface Waiter {
  key: string;
  asyncId: string;
  answer?: ((response: AsyncResponse) => void) | undefined;
}

export class ConnectService {
  private readonly observations = new Map<string, Map<string, Observation>>();
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
    this.subscriptions.applyPre(device, this.apiKeys);
    this.refreshGauge();
    this.channels.publishAll({ kind: 'registrations', entry: endpointData(device) });
    this.syncObservations(device);
  }

  private onUpdated(device: Device): void {
    this.subscriptions.applyPre(device, this.apiKeys);
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

  /**
   * A manual subscription (PUT /v2/subscriptions/{id}/{path}). The device is
   * asked to observe the resource unless it already does. Its answer, when it
   * comes within `waitMs`, is the HTTP answer (200, or the device's refusal as
   * an error); later, it follows on the key's channel as the async response of
   * the returned id (the HTTP answer was then 202 with that id), as the service
   * reports subscriptions it could not confirm at once.
   */
  async subscribe(key: string, device: Device, path: string, waitMs: number): Promise<AsyncResponse> {
    this.subscriptions.addManual(key, device.id, path);
    const asyncId = `${Date.now()}-${randomBytes(6).toString('hex')}`;
    if (this.observations.get(device.id)?.get(path)?.established) return { id: asyncId, status: 200 };
    this.syncObservations(device);
    const observation = this.observations.get(device.id)?.get(path);
    if (!observation) return { id: asyncId, status: 200 };
    const waiter: Waiter = { key, asyncId };
    observation.waiting.push(waiter);
    if (waitMs <= 0) return { id: asyncId, status: 202 };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter.answer = undefined;
        resolve({ id: asyncId, status: 202 });
      }, waitMs);
      waiter.answer = (response) => {
        clearTimeout(timer);
        resolve(response);
      };
    });
  }

  private answer(waiters: Waiter[], response: Omit<AsyncResponse, 'id'>): void {
    for (const waiter of waiters) {
      const entry = { id: waiter.asyncId, ...response };
      if (waiter.answer) waiter.answer(entry);
      else this.channels.publish(waiter.key, { kind: 'async-responses', entry });
    }
  }

  /** Observes exactly the paths some API key is subscribed to. */
  syncObservations(device: Device): void {
    if (device.state !== 'registered') return;
    const wanted = this.subscriptions.wantedPaths(device, this.apiKeys);
    let current = this.observations.get(device.id);
    if (!current) this.observations.set(device.id, (current = new Map()));
    for (const [path, observation] of current) {
      if (!wanted.has(path)) {
        observation.cancel(true);
        current.delete(path);
      }
    }
    for (const path of wanted) {
      if (current.has(path)) continue;
      const observations = current;
      const observation: Observation = { cancel: () => undefined, established: false, waiting: [] };
      observation.cancel = this.link.observe(
        device,
        path,
        (value) => this.onValue(device, path, value, observation),
        (end) => {
          if (observations.get(path) === observation) observations.delete(path);
          this.onObservationEnd(device, path, observation, end);
        },
      );
      current.set(path, observation);
    }
  }

  private onObservationEnd(device: Device, path: string, observation: Observation, end: ObserveEnd): void {
    this.log.info({ id: device.id, path, reason: end.reason }, 'observation ended');
    // A device that refuses (4.xx) does not have the resource observable: the
    // subscription ends, and whoever asked for it is told with the device's status.
    if (end.code?.startsWith('4.')) this.subscriptions.refused(device.id, path, this.apiKeys);
    const status = end.code ? asyncStatus(end.code) : end.reason === 'timeout' ? 504 : 502;
    const error = end.code
      ? `device answered ${end.code}`
      : end.reason === 'timeout'
        ? 'TIMEOUT'
        : end.reason;
    this.answer(observation.waiting.splice(0), { status, error });
  }

  private stopObservations(deviceId: string, tellDevice: boolean): void {
    for (const observation of this.observations.get(deviceId)?.values() ?? []) observation.cancel(tellDevice);
    this.observations.delete(deviceId);
  }

  private onValue(device: Device, path: string, value: DeviceResponse, observation: Observation): void {
    const current = this.registry.getRegistered(device.id);
    if (current !== device) return;
    observation.established = true;
    this.answer(observation.waiting.splice(0), {
      status: 200,
      payload: value.payload.toString('base64'),
      ct: value.contentType,
      'max-age': value.maxAge ?? 60,
    });
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
