// The emulator's pure parts: configuration errors, the bounded event queue,
// webhook backoff, device listing, pre-subscription matching and resource
// knowledge, and the command line of `device-cloud`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/cloud/api-error.ts';
import { loadCliConfig } from '../../../src/cloud/cli-config.ts';
import { ConfigError, parseDeviceCloudConfig } from '../../../src/cloud/config.ts';
import { asyncStatus } from '../../../src/cloud/connect-service.ts';
import { DeviceRegistry, type Device } from '../../../src/cloud/device-registry.ts';
import { EventQueue } from '../../../src/cloud/event-queue.ts';
import type { ChannelEvent } from '../../../src/cloud/notification-message.ts';
import { listDevices } from '../../../src/cloud/routes/devices.ts';
import { Subscriptions, matchesPattern, resourceInfo } from '../../../src/cloud/subscriptions.ts';
import { backoffMs } from '../../../src/cloud/webhook-channel.ts';
import { parseLinkFormat } from '../../../src/lwm2m/link-format.ts';

function registry(...names: string[]): { registry: DeviceRegistry; devices: Device[] } {
  const r = new DeviceRegistry();
  const devices = names.map((name, i) =>
    r.register({
      endpointName: name,
      endpointType: i % 2 === 0 ? 'even' : 'odd',
      lifetimeSeconds: 60,
      binding: 'U',
      lwm2mVersion: '1.0',
      address: { host: '127.0.0.1', port: 5000 + i },
      links: parseLinkFormat('</3/0>,</10341/0>,</10341/0/26341>,</10341/0/26342>;obs'),
    }),
  );
  return { registry: r, devices };
}

describe('configuration', () => {
  it('fills defaults and requires an API key', () => {
    const config = parseDeviceCloudConfig({ apiKeys: ['ak-12345678'] });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 0, maxBodyBytes: 1024 * 1024 });
    expect(config.webhook).toEqual({
      retryBaseMs: 1000,
      retryMaxMs: 120_000,
      requestTimeoutMs: 10_000,
      removeAfterMs: 86_400_000,
    });
    expect(() => parseDeviceCloudConfig({})).toThrow(ConfigError);
    expect(() => parseDeviceCloudConfig({ apiKeys: [] })).toThrow(/apiKeys: at least one API key/);
  });

  it('names the field of a bad value in one error', () => {
    expect(() => parseDeviceCloudConfig({ apiKeys: ['ak-12345678'], http: { port: 70000 } })).toThrow(
      /http\.port/,
    );
    expect(() =>
      parseDeviceCloudConfig({ apiKeys: ['ak-12345678'], webhook: { retryBaseMs: 5000, retryMaxMs: 10 } }),
    ).toThrow(/webhook\.retryMaxMs/);
  });

  it('reads keys from the environment and the file, flags over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'device-cloud-cli-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ apiKeys: ['ak-from-file-1'], http: { port: 8080 }, coap: { port: 5683 } }),
    );
    const loaded = loadCliConfig(['--config', file, '--http-port', '9090'], {
      DEVICE_CLOUD_API_KEYS: 'ak-env-key-1, ak-env-key-2',
    });
    expect(loaded.config.apiKeys).toEqual(['ak-from-file-1', 'ak-env-key-1', 'ak-env-key-2']);
    expect(loaded.config.http.port).toBe(9090);
    expect(loaded.config.coap.port).toBe(5683);
    expect(() => loadCliConfig([], {})).toThrow(/DEVICE_CLOUD_API_KEYS/);
    expect(() => loadCliConfig(['--config', join(dir, 'missing.json')], {})).toThrow(
      /cannot read config file/,
    );
    const fromEnv = loadCliConfig([], {
      DEVICE_CLOUD_API_KEYS: 'ak-env-key-1',
      DEVICE_CLOUD_HTTP_HOST: '0.0.0.0',
      DEVICE_CLOUD_COAP_PORT: '5683',
      DEVICE_CLOUD_LOG_LEVEL: 'warn',
    });
    expect([fromEnv.config.http.host, fromEnv.config.coap.port, fromEnv.config.logLevel]).toEqual([
      '0.0.0.0',
      5683,
      'warn',
    ]);
    expect(() =>
      loadCliConfig([], { DEVICE_CLOUD_API_KEYS: 'ak-env-key-1', DEVICE_CLOUD_HTTP_PORT: 'x' }),
    ).toThrow(/http port/);
  });
});

describe('event queue', () => {
  const event = (n: number): ChannelEvent => ({ kind: 'de-registrations', entry: String(n) });

  it('drops the oldest beyond its capacity and reports each drop', () => {
    const dropped: ChannelEvent[] = [];
    const queue = new EventQueue(3, (e) => dropped.push(e));
    for (let n = 1; n <= 5; n++) queue.push(event(n));
    expect(dropped).toEqual([event(1), event(2)]);
    expect(queue.take(2)).toEqual([event(3), event(4)]);
    expect(queue.length).toBe(1);
  });

  it('stays in order over many pushes and takes', () => {
    const queue = new EventQueue(10_000, () => undefined);
    const out: string[] = [];
    for (let n = 0; n < 5000; n++) {
      queue.push(event(n));
      if (n % 3 === 0) out.push(...queue.take(2).map((e) => e.entry as string));
    }
    out.push(...queue.take(10_000).map((e) => e.entry as string));
    expect(out).toEqual(Array.from({ length: 5000 }, (_, n) => String(n)));
  });
});

describe('webhook backoff', () => {
  it('doubles from the base and stops at the maximum, like the service (1 s … 2 min)', () => {
    const timing = { retryBaseMs: 1000, retryMaxMs: 120_000, requestTimeoutMs: 1, removeAfterMs: 1 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => backoffMs(n, timing))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 120_000, 120_000,
    ]);
  });
});

describe('device registry', () => {
  it('counts registered devices through re-registration, de-registration and expiry', () => {
    const { registry: r, devices } = registry('a', 'b', 'c');
    expect(r.registeredCount()).toBe(3);
    const again = r.register({ ...devices[0]!, links: [] });
    expect(again.id).toBe(devices[0]!.id);
    expect(again.location).not.toBe(devices[0]!.location);
    expect(r.byLocationPath(devices[0]!.location)).toBeUndefined();
    expect(r.registeredCount()).toBe(3);
    r.deregister(devices[1]!);
    expect(r.registeredCount()).toBe(2);
    r.expire(Date.now() + 61_000, 0);
    expect(r.registeredCount()).toBe(0);
    expect(r.all().map((d) => d.state)).toEqual(['deregistered', 'deregistered', 'deregistered']);
    r.register({ ...devices[1]!, links: [] });
    expect(r.registeredCount()).toBe(1);
  });
});

describe('device listing', () => {
  it('pages with has_more and after, and filters by state and endpoint name', () => {
    const { registry: r, devices } = registry('a', 'b', 'c', 'd', 'e');
    r.deregister(devices[1]!);
    const all = r.all();
    const page = listDevices(all, new URLSearchParams('limit=2&state=registered&include=total_count'));
    expect(page).toMatchObject({ has_more: true, total_count: 4, limit: 2 });
    expect(page.data.map((d) => d.endpoint_name)).toEqual(['a', 'c']);
    const next = listDevices(all, new URLSearchParams(`limit=2&state=registered&after=${page.data[1]!.id}`));
    expect(next.data.map((d) => d.endpoint_name)).toEqual(['d', 'e']);
    expect(next.has_more).toBe(false);
    expect(listDevices(all, new URLSearchParams('endpoint_name__in=b,e')).data.map((d) => d.state)).toEqual([
      'deregistered',
      'registered',
    ]);
    expect(listDevices(all, new URLSearchParams('state__neq=registered')).data).toHaveLength(1);
    expect(() => listDevices(all, new URLSearchParams('limit=1001'))).toThrow(ApiError);
  });
});

describe('subscriptions', () => {
  it('matches pre-subscriptions by endpoint name or id prefix, type and resource path', () => {
    const { devices } = registry('aisle7-shelf-1', 'aisle8-shelf-1');
    const [a, b] = devices as [Device, Device];
    const subs = new Subscriptions();
    subs.setPre('k', [{ 'endpoint-name': 'aisle7-*', 'resource-path': ['/10341/0/*'] }]);
    expect(subs.prePaths('k', a)).toEqual(['/10341/0/26342']); // only observable resources match a wildcard
    expect(subs.prePaths('k', b)).toEqual([]);
    subs.setPre('k', [{ 'endpoint-name': b.id, 'resource-path': ['10341/0/26341'] }]);
    expect(subs.prePaths('k', b)).toEqual(['/10341/0/26341']); // explicit paths are taken as asked
    subs.setPre('k', [{ 'endpoint-type': 'even' }]);
    expect(subs.prePaths('k', a)).toEqual(['/10341/0/26342']);
    expect(subs.prePaths('other-key', a)).toEqual([]);
    expect(matchesPattern('abc', 'abcd')).toBe(false);
  });

  it('keeps manual subscriptions per key and drops them for a device', () => {
    const { devices } = registry('s1');
    const d = devices[0]!;
    const subs = new Subscriptions();
    subs.addManual('k1', d.id, '/10341/0/26342');
    expect(subs.isSubscribed('k1', d, '/10341/0/26342')).toBe(true);
    expect(subs.isSubscribed('k2', d, '/10341/0/26342')).toBe(false);
    expect([...subs.wantedPaths(d, ['k1', 'k2'])]).toEqual(['/10341/0/26342']);
    subs.dropDevice(d.id);
    expect(subs.isSubscribed('k1', d, '/10341/0/26342')).toBe(false);
  });

  it('knows resources from the registration: listed ones, or any below an instance listed alone', () => {
    const { devices } = registry('s1');
    const d = devices[0]!;
    expect(resourceInfo(d, '/10341/0/26342')).toEqual({ known: true, observable: true });
    expect(resourceInfo(d, '/10341/0/26341')).toEqual({ known: true, observable: false });
    expect(resourceInfo(d, '/10341/0/5')).toEqual({ known: false, observable: false });
    expect(resourceInfo(d, '/3/0/9')).toEqual({ known: true, observable: true });
    expect(resourceInfo(d, '/4/0/1')).toEqual({ known: false, observable: false });
  });
});

describe('async status', () => {
  it('maps CoAP answers to the statuses of AsyncIDResponse', () => {
    expect(['2.05', '2.04', '4.04', '4.05', '4.12', '5.00'].map(asyncStatus)).toEqual([
      200, 200, 404, 405, 412, 502,
    ]);
  });
});
