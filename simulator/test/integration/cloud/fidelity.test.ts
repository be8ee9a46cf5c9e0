// What a client of the real service notices, held against the emulator with
// plain HTTP: pre-subscriptions count as subscriptions only once a device has
// applied them, a device's refusal to be observed reaches the subscriber, async
// responses that come before the first long poll wait for it, pre-subscription
// listings name every key, and LwM2M 1.1 clients register.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import type { NotificationMessage } from '../../../src/cloud/notification-message.ts';
import { metricValue, waitFor } from './helpers.ts';
import { api } from './http-client.ts';
import { TestDevice, shelfLinks } from './test-device.ts';

const key = 'ak-fidelity-key-1';
const countPath = '/10341/0/26342';

describe('emulator fidelity a client notices', () => {
  let cloud: DeviceCloud;
  const closers: (() => Promise<void>)[] = [];
  const call = (method: string, path: string, body?: unknown, base = cloud.url) =>
    api(base, method, path, { key, body });

  async function device(endpoint: string, extra: Partial<Parameters<typeof TestDevice.start>[0]> = {}) {
    const d = await TestDevice.start({ endpoint, server: cloud.coap, ...extra });
    closers.push(() => d.close());
    expect((await d.register()).code).toBe('2.01');
    return d;
  }

  /** Pulls until `done` says the collected messages suffice. */
  async function pullUntil(done: (seen: NotificationMessage[]) => boolean, base = cloud.url) {
    const seen: NotificationMessage[] = [];
    await waitFor('the expected notification messages', async () => {
      const res = await call('GET', '/v2/notification/pull', undefined, base);
      if (res.status === 200) seen.push(res.json as NotificationMessage);
      return done(seen);
    });
    return seen;
  }

  beforeAll(async () => {
    cloud = await startDeviceCloud({ apiKeys: [key], longPoll: { timeoutMs: 200 }, logLevel: 'silent' });
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await cloud?.close();
  });

  it('counts a pre-subscription for a registered device only after the device applied it', async () => {
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204); // the channel
    const d = await device('fid-early-shelf');
    const id = deviceIdFor('fid-early-shelf');
    expect((await call('PUT', '/v2/subscriptions', [{ 'endpoint-name': 'fid-early-*' }])).status).toBe(204);

    // Not observed yet, so not subscribed: the listing says so (404 when none), as the service does.
    expect((await call('GET', `/v2/subscriptions/${id}`)).status).toBe(404);
    expect((await call('GET', `/v2/subscriptions/${id}${countPath}`)).status).toBe(404);
    expect(d.observerCount(countPath)).toBe(0);

    // A registration update applies it: observed, listed, and changes are delivered.
    expect((await d.update()).code).toBe('2.04');
    await waitFor('the observation', () => d.observerCount(countPath) === 1);
    // No resource-path: every resource registered as observable.
    expect((await call('GET', `/v2/subscriptions/${id}`)).text).toBe(`/10341/0/26341\n${countPath}\n`);
    d.set(countPath, '5');
    const seen = await pullUntil((m) => m.some((x) => x.notifications?.some((n) => n.ep === id)));
    expect(seen.flatMap((m) => m.notifications ?? []).filter((n) => n.ep === id)).toContainEqual(
      expect.objectContaining({ path: countPath, payload: Buffer.from('5').toString('base64') }),
    );
    // Unsubscribing ends it whatever made it (an operator cleaning up after a fleet relies on that).
    expect((await call('DELETE', `/v2/subscriptions/${id}${countPath}`)).status).toBe(204);
    expect((await call('GET', `/v2/subscriptions/${id}${countPath}`)).status).toBe(404);
    await waitFor('the observation cancelled', () => d.observerCount(countPath) === 0);
    await call('DELETE', '/v2/subscriptions');
  });

  it('lists pre-subscriptions with every key, null where the rule leaves it open, and takes them back', async () => {
    const rules = [
      { 'endpoint-type': 'smart-shelf' },
      { 'endpoint-name': 'x-*', 'resource-path': ['/3/0/*'] },
    ];
    expect((await call('PUT', '/v2/subscriptions', rules)).status).toBe(204);
    const listed = (await call('GET', '/v2/subscriptions')).json;
    expect(listed).toEqual([
      { 'endpoint-name': null, 'endpoint-type': 'smart-shelf', 'resource-path': null },
      { 'endpoint-name': 'x-*', 'endpoint-type': null, 'resource-path': ['/3/0/*'] },
    ]);
    // A client that writes back what it read (as the SDKs do) changes nothing.
    expect((await call('PUT', '/v2/subscriptions', listed)).status).toBe(204);
    expect((await call('GET', '/v2/subscriptions')).json).toEqual(listed);
    await call('DELETE', '/v2/subscriptions');
  });

  it('answers a refused subscription with the device status and does not observe it again', async () => {
    // Registered as observable, but the device has no value there and answers 4.04.
    const d = await device('fid-refusing', { values: { '/10341/0/26341': 'p-9' } });
    const id = deviceIdFor('fid-refusing');
    const refused = await call('PUT', `/v2/subscriptions/${id}${countPath}`);
    expect(refused.status).toBe(404);
    expect((refused.json as { message: string }).message).toMatch(/refused.*4\.04/);
    expect((await call('GET', `/v2/subscriptions/${id}${countPath}`)).status).toBe(404);
    expect((await call('GET', `/v2/subscriptions/${id}`)).status).toBe(404);
    const asked = d.gets.get(countPath);
    expect(asked).toBe(1);
    expect((await d.update()).code).toBe('2.04');
    // The update is answered before its consequences; give them the time a retry would take.
    await call('GET', `/v2/endpoints/${id}`);
    expect((await call('GET', `/v2/subscriptions/${id}`)).status).toBe(404);
    expect(d.gets.get(countPath)).toBe(asked);
  });

  it('reports a refusal that comes after the answer as the async response of a 202', async () => {
    const slow = await startDeviceCloud({
      apiKeys: [key],
      longPoll: { timeoutMs: 200 },
      device: { subscribeAnswerMs: 0 },
      logLevel: 'silent',
    });
    closers.push(() => slow.close());
    expect((await call('GET', '/v2/notification/pull', undefined, slow.url)).status).toBe(204);
    const d = await TestDevice.start({
      endpoint: 'fid-late-refusal',
      server: slow.coap,
      values: { '/10341/0/26341': 'p-9' },
    });
    closers.push(() => d.close());
    await d.register();
    const id = deviceIdFor('fid-late-refusal');
    const accepted = await call('PUT', `/v2/subscriptions/${id}${countPath}`, undefined, slow.url);
    expect(accepted.status).toBe(202);
    const asyncId = (accepted.json as { 'async-response-id': string })['async-response-id'];
    const seen = await pullUntil(
      (m) => m.some((x) => x['async-responses']?.some((r) => r.id === asyncId)),
      slow.url,
    );
    expect(seen.flatMap((m) => m['async-responses'] ?? [])).toContainEqual(
      expect.objectContaining({ id: asyncId, status: 404 }),
    );
    expect((await call('GET', `/v2/subscriptions/${id}`, undefined, slow.url)).status).toBe(404);
  });

  it('keeps async responses that arrive before the first long poll for it', async () => {
    const other = 'ak-fidelity-key-2';
    const fresh = await startDeviceCloud({
      apiKeys: [other],
      longPoll: { timeoutMs: 200 },
      logLevel: 'silent',
    });
    closers.push(() => fresh.close());
    const d = await TestDevice.start({ endpoint: 'fid-early-read', server: fresh.coap });
    closers.push(() => d.close());
    await d.register();
    const id = deviceIdFor('fid-early-read');
    const sent = await api(fresh.url, 'POST', `/v2/device-requests/${id}?async-id=early-1`, {
      key: other,
      body: { method: 'GET', uri: countPath },
    });
    expect(sent.status).toBe(202);
    // The device has answered (counted as it is published) before any channel exists.
    await waitFor('the device answer', async () =>
      metricValue(
        await fresh.metrics.metrics(),
        'devicecloud_device_requests_total',
        'method="GET",status="200"',
      ),
    );
    const first = await api(fresh.url, 'GET', '/v2/notification/pull', { key: other });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      'async-responses': [expect.objectContaining({ id: 'early-1', status: 200 })],
    });
  });

  it('registers LwM2M 1.1 clients and still refuses versions it does not speak', async () => {
    const d = await TestDevice.start({ endpoint: 'fid-lwm2m-11', server: cloud.coap });
    closers.push(() => d.close());
    const ok = await d.register('ep=fid-lwm2m-11&lt=300&lwm2m=1.1&b=U');
    expect(ok.code).toBe('2.01');
    const id = deviceIdFor('fid-lwm2m-11');
    expect((await call('GET', `/v3/devices/${id}`)).status).toBe(200);
    expect((await call('PUT', `/v2/subscriptions/${id}${countPath}`)).status).toBe(200);
    const future = await d.register('ep=fid-lwm2m-11&lt=300&lwm2m=2.0&b=U');
    expect(future.code).toBe('4.12');
    expect(future.payload.toString()).toMatch(/1\.0 and 1\.1/);
    expect(shelfLinks).toContain(countPath);
  });
});
