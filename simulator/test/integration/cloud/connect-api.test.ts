// Proves the Connect API's status codes and channel rules, checked over plain
// HTTP: long-poll 200/204/409/410, one channel type per key, the error body
// shape, 404/412/502/429 for devices and resources, and async responses for
// device requests that fail or time out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import { api, errorBody } from './http-client.ts';
import { metricValue, waitFor } from './helpers.ts';
import { TestDevice } from './test-device.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const key = 'ak-connect-api-key-1';
const otherKey = 'ak-connect-api-key-2';

describe('Connect API semantics', () => {
  let cloud: DeviceCloud;
  const closers: (() => Promise<void>)[] = [];
  const call = (method: string, path: string, options: Parameters<typeof api>[3] = {}) =>
    api(cloud.url, method, path, { key, ...options });

  async function device(endpoint: string, extra: Partial<Parameters<typeof TestDevice.start>[0]> = {}) {
    const d = await TestDevice.start({ endpoint, server: cloud.coap, ...extra });
    closers.push(() => d.close());
    expect((await d.register()).code).toBe('2.01');
    return d;
  }

  beforeAll(async () => {
    cloud = await startDeviceCloud({
      apiKeys: [key, otherKey],
      longPoll: { timeoutMs: 300 },
      device: { queueSize: 2, requestTimeoutMs: 1_000 },
      logLevel: 'silent',
    });
  });

  afterAll(async () => {
    for (const close of closers) await close();
    await cloud?.close();
  });

  it('answers 401 in the error shape without a key or with a wrong one', async () => {
    const missing = await api(cloud.url, 'GET', '/v3/devices');
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual(errorBody(401));
    const wrong = await api(cloud.url, 'GET', '/v3/devices', { key: 'ak-wrong-key-000' });
    expect(wrong.status).toBe(401);
    expect((wrong.json as { type: string }).type).toBe('unauthorized');
    expect((await api(cloud.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('long poll: 204 on timeout, 409 for a second open poll, 410 when the channel is deleted', async () => {
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204);
    expect((await call('GET', '/v2/notification/channel')).json).toMatchObject({
      deliveryMechanism: 'LONG_POLLING',
    });

    // As the service: 200 with REMOVED, or ALREADY_DELETED when there is no channel (never 404,
    // which made the Python SDK's update_webhook() give up before registering the webhook).
    const removed = await call('DELETE', '/v2/notification/pull');
    expect([removed.status, removed.text]).toEqual([200, 'REMOVED']);

    // A long timeout, so the open poll is answered by what the test does, not by the clock.
    const slow = await startDeviceCloud({
      apiKeys: [key],
      longPoll: { timeoutMs: 30_000 },
      logLevel: 'silent',
    });
    try {
      const pull = () => api(slow.url, 'GET', '/v2/notification/pull', { key });
      const first = pull();
      await waitFor('the poll to be open', async () => {
        return metricValue(await slow.metrics.metrics(), 'devicecloud_long_polls_open') === 1;
      });
      const second = await pull();
      expect(second.status).toBe(409);
      expect(second.json).toEqual(errorBody(409));

      expect((await api(slow.url, 'DELETE', '/v2/notification/pull', { key })).status).toBe(200);
      const gone = await first;
      expect(gone.status).toBe(410);
      expect(gone.json).toEqual(errorBody(410));
      expect((await api(slow.url, 'GET', '/v2/notification/channel', { key })).status).toBe(404);
      const again = await api(slow.url, 'DELETE', '/v2/notification/pull', { key });
      expect([again.status, again.text]).toEqual([200, 'ALREADY_DELETED']);
      expect(metricValue(await slow.metrics.metrics(), 'devicecloud_long_polls_open')).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('long poll: 200 with the queued events as a NotificationMessage', async () => {
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204); // creates the channel
    await device('api-shelf-reg', { endpointType: 'smart-shelf' });
    const res = await call('GET', '/v2/notification/pull');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      registrations: [
        {
          ep: deviceIdFor('api-shelf-reg'),
          'original-ep': 'api-shelf-reg',
          ept: 'smart-shelf',
          q: false,
          resources: expect.arrayContaining([{ path: '/10341/0/26342', rt: 'count', obs: true }]),
        },
      ],
    });
    expect((await call('DELETE', '/v2/notification/pull')).status).toBe(200);
  });

  it('keeps one channel type per API key: 400 for the other type, independent per key', async () => {
    const receiver = await WebhookReceiver.start();
    closers.push(() => receiver.close());
    expect((await call('PUT', '/v2/notification/callback', { body: { url: receiver.url } })).status).toBe(
      204,
    );
    const pull = await call('GET', '/v2/notification/pull');
    expect(pull.status).toBe(400);
    expect(pull.json).toEqual(errorBody(400));
    expect((await call('GET', '/v2/notification/channel')).json).toMatchObject({
      deliveryMechanism: 'CALLBACK',
    });

    // The other key has its own channel.
    expect((await api(cloud.url, 'GET', '/v2/notification/pull', { key: otherKey })).status).toBe(204);
    const webhookForOther = await api(cloud.url, 'PUT', '/v2/notification/callback', {
      key: otherKey,
      body: { url: receiver.url },
    });
    expect(webhookForOther.status).toBe(400);

    expect((await call('DELETE', '/v2/notification/callback')).status).toBe(204);
    expect((await call('GET', '/v2/notification/callback')).status).toBe(404);
    expect((await api(cloud.url, 'DELETE', '/v2/notification/pull', { key: otherKey })).status).toBe(200);
  });

  it('answers 404 for an unknown device or resource and 412 for a resource that is not observable', async () => {
    const d = await device('api-shelf-404');
    const id = deviceIdFor('api-shelf-404');
    expect((await call('GET', '/v2/endpoints/0000000000000000000000000000dead')).status).toBe(404);
    expect((await call('GET', '/v3/devices/0000000000000000000000000000dead')).status).toBe(404);
    const unknownResource = await call('PUT', `/v2/subscriptions/${id}/10341/0/77`);
    expect(unknownResource.status).toBe(404);
    expect(unknownResource.json).toEqual(errorBody(404));
    const notObservable = await call('PUT', `/v2/subscriptions/${id}/10341/0`);
    expect(notObservable.status).toBe(412);
    expect(notObservable.json).toEqual(errorBody(412));
    expect((await call('PUT', `/v2/subscriptions/${id}/10341/0/26342`)).status).toBe(200);
    expect((await call('GET', `/v2/subscriptions/${id}`)).text).toBe('/10341/0/26342\n');
    expect(d.values.size).toBeGreaterThan(0);
  });

  it('answers 502 for requests to a device that is no longer connected', async () => {
    const d = await device('api-shelf-gone');
    await d.deregister();
    const res = await call('POST', `/v2/device-requests/${deviceIdFor('api-shelf-gone')}?async-id=gone-1`, {
      body: { method: 'GET', uri: '/10341/0/26342' },
    });
    expect(res.status).toBe(502);
    expect(res.json).toEqual(errorBody(502));
    const state = await call('GET', `/v3/devices/${deviceIdFor('api-shelf-gone')}`);
    expect((state.json as { state: string }).state).toBe('deregistered');
  });

  it('answers 429 when the device queue is full, and reports timeouts as async status 504', async () => {
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204);
    await device('api-shelf-quiet', { silent: true });
    const id = deviceIdFor('api-shelf-quiet');
    const request = (n: number) =>
      call('POST', `/v2/device-requests/${id}?async-id=quiet-${n}`, {
        body: { method: 'GET', uri: '10341/0/26342' },
      });
    expect((await request(1)).status).toBe(202);
    expect((await request(2)).status).toBe(202);
    const full = await request(3);
    expect(full.status).toBe(429);
    expect(full.json).toEqual(errorBody(429));

    const responses: unknown[] = [];
    await waitFor('both async responses', async () => {
      const res = await call('GET', '/v2/notification/pull');
      responses.push(
        ...((res.json as { 'async-responses'?: unknown[] } | undefined)?.['async-responses'] ?? []),
      );
      return responses.length === 2;
    });
    expect(responses).toEqual([
      { id: 'quiet-1', status: 504, error: 'TIMEOUT' },
      { id: 'quiet-2', status: 504, error: 'TIMEOUT' },
    ]);
    // The queue has room again.
    expect((await request(4)).status).toBe(202);
    await waitFor('the last async response', async () => {
      const res = await call('GET', '/v2/notification/pull');
      return res.status === 200;
    });
    await call('DELETE', '/v2/notification/pull');
  });

  it('sends async responses with the device answer, only to the key that asked', async () => {
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204);
    expect((await api(cloud.url, 'GET', '/v2/notification/pull', { key: otherKey })).status).toBe(204);
    await device('api-shelf-async', { values: { '/10341/0/26342': '17' } });
    const id = deviceIdFor('api-shelf-async');
    // Drain the registration events.
    await call('GET', '/v2/notification/pull');
    await api(cloud.url, 'GET', '/v2/notification/pull', { key: otherKey });

    const ok = await call('POST', `/v2/device-requests/${id}?async-id=read-1`, {
      body: { method: 'GET', uri: '/10341/0/26342' },
    });
    expect(ok.status).toBe(202);
    // Below a registered instance only the device knows what exists: accepted, and the
    // device's 4.04 follows as an async response (a Python SDK read then raises the 404
    // instead of failing on a missing consumer).
    const unlisted = await call('POST', `/v2/device-requests/${id}?async-id=read-x`, {
      body: { method: 'GET', uri: '/10341/0/999' },
    });
    expect(unlisted.status).toBe(202);
    const missing = await call('POST', `/v2/device-requests/${id}?async-id=read-2`, {
      body: { method: 'GET', uri: '/3/0/99' },
    });
    expect(missing.status).toBe(202);
    // An object the device did not register at all: URI_PATH_DOES_NOT_EXISTS at once.
    const unregistered = await call('POST', `/v2/device-requests/${id}?async-id=read-y`, {
      body: { method: 'GET', uri: '/5/0/1' },
    });
    expect(unregistered.status).toBe(404);
    // Each device answer may leave in its own batch: collect until all three arrived.
    const pulled: unknown[] = [];
    await waitFor('three async responses', async () => {
      const res = await call('GET', '/v2/notification/pull');
      if (res.status === 200) {
        expect(Object.keys(res.json as object)).toEqual(['async-responses']);
        pulled.push(...(res.json as { 'async-responses': unknown[] })['async-responses']);
      }
      return pulled.length >= 3;
    });
    expect(pulled).toEqual([
      {
        id: 'read-1',
        status: 200,
        payload: Buffer.from('17').toString('base64'),
        ct: 'text/plain',
        'max-age': 60,
      },
      expect.objectContaining({ id: 'read-x', status: 404 }),
      expect.objectContaining({ id: 'read-2', status: 404 }),
    ]);
    expect((await api(cloud.url, 'GET', '/v2/notification/pull', { key: otherKey })).status).toBe(204);
  });

  it('serves the older resource API with async-response ids', async () => {
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204);
    const d = await device('api-shelf-legacy', { values: { '/10341/0/26342': '6' } });
    const id = deviceIdFor('api-shelf-legacy');
    await call('GET', '/v2/notification/pull'); // the registration

    const read = await call('GET', `/v2/endpoints/${id}/10341/0/26342`);
    expect(read.status).toBe(202);
    const readId = (read.json as { 'async-response-id': string })['async-response-id'];
    const write = await call('PUT', `/v2/endpoints/${id}/10341/0/26342`, {
      raw: '2',
      headers: { 'content-type': 'text/plain' },
    });
    expect(write.status).toBe(202);
    const writeId = (write.json as { 'async-response-id': string })['async-response-id'];
    expect((await call('GET', `/v2/endpoints/${id}/5/0/3`)).status).toBe(404); // object 5 not registered

    const seen: { id: string; status: number; payload?: string }[] = [];
    await waitFor('both async responses', async () => {
      const res = await call('GET', '/v2/notification/pull');
      seen.push(
        ...((res.json as { 'async-responses'?: typeof seen } | undefined)?.['async-responses'] ?? []),
      );
      return seen.length === 2;
    });
    expect(seen.find((r) => r.id === readId)).toMatchObject({
      status: 200,
      payload: Buffer.from('6').toString('base64'),
    });
    expect(seen.find((r) => r.id === writeId)).toMatchObject({ status: 200 });
    expect(d.values.get('/10341/0/26342')).toBe('2');
    await call('DELETE', '/v2/notification/pull');
  });

  it('deletes a long-poll channel that nobody polls, with its queue', async () => {
    const idle = await startDeviceCloud({
      apiKeys: [key],
      longPoll: { timeoutMs: 50, channelExpiryMs: 300 },
      logLevel: 'silent',
    });
    try {
      expect((await api(idle.url, 'GET', '/v2/notification/pull', { key })).status).toBe(204);
      expect((await api(idle.url, 'GET', '/v2/notification/channel', { key })).status).toBe(200);
      await waitFor('the channel to expire', async () => {
        return (await api(idle.url, 'GET', '/v2/notification/channel', { key })).status === 404;
      });
      // Polling again creates a fresh channel.
      expect((await api(idle.url, 'GET', '/v2/notification/pull', { key })).status).toBe(204);
      expect((await api(idle.url, 'GET', '/v2/notification/channel', { key })).status).toBe(200);
    } finally {
      await idle.close();
    }
  });

  it('pages and filters GET /v3/devices', async () => {
    for (const n of [1, 2, 3]) await device(`api-page-${n}`, { endpointType: 'pager' });
    const first = await call('GET', '/v3/devices?limit=2&endpoint_type=pager&include=total_count');
    expect(first.json).toMatchObject({
      object: 'list',
      limit: 2,
      has_more: true,
      total_count: 3,
      order: 'ASC',
    });
    const page1 = (first.json as { data: { id: string; endpoint_name: string }[] }).data;
    expect(page1.map((d) => d.endpoint_name)).toEqual(['api-page-1', 'api-page-2']);
    const second = await call('GET', `/v3/devices?limit=2&endpoint_type=pager&after=${page1[1]!.id}`);
    expect(second.json).toMatchObject({ has_more: false, data: [{ endpoint_name: 'api-page-3' }] });
    const desc = await call('GET', '/v3/devices?limit=2&order=DESC&filter=endpoint_type%3Dpager');
    expect((desc.json as { data: { endpoint_name: string }[] }).data.map((d) => d.endpoint_name)).toEqual([
      'api-page-3',
      'api-page-2',
    ]);
    const byName = await call('GET', '/v3/devices?endpoint_name__eq=api-page-2&state=registered');
    expect((byName.json as { data: unknown[] }).data).toHaveLength(1);
    const bad = await call('GET', '/v3/devices?colour=red');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual(errorBody(400));
  });
});
