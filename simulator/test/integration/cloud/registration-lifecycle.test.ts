// Proves the LwM2M registration interface and the messages it causes:
// reg-updates (subscriptions kept), a full re-registration (manual
// subscriptions dropped, pre-subscriptions re-applied), a plain LwM2M 1.0
// client that lists only object instances, de-registration and lifetime expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import type { NotificationMessage } from '../../../src/cloud/notification-message.ts';
import { metricValue, waitFor } from './helpers.ts';
import { api } from './http-client.ts';
import { TestDevice } from './test-device.ts';

const key = 'ak-lifecycle-key-1';

describe('registration lifecycle', () => {
  let cloud: DeviceCloud;
  const devices: TestDevice[] = [];
  const call = (method: string, path: string, body?: unknown) => api(cloud.url, method, path, { key, body });

  /** Pulls until a message satisfies `match`, collecting everything seen. */
  async function pullUntil(match: (m: NotificationMessage) => boolean): Promise<NotificationMessage> {
    return waitFor('a matching notification message', async () => {
      const res = await call('GET', '/v2/notification/pull');
      const message = res.json as NotificationMessage | undefined;
      return message && match(message) ? message : undefined;
    });
  }

  async function device(endpoint: string, extra: Partial<Parameters<typeof TestDevice.start>[0]> = {}) {
    const d = await TestDevice.start({ endpoint, server: cloud.coap, ...extra });
    devices.push(d);
    return d;
  }

  beforeAll(async () => {
    cloud = await startDeviceCloud({
      apiKeys: [key],
      longPoll: { timeoutMs: 200 },
      device: { lifetimeCheckIntervalMs: 50 },
      logLevel: 'silent',
    });
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204); // open the channel
  });

  afterAll(async () => {
    for (const d of devices) await d.close();
    await cloud?.close();
  });

  it('sends reg-updates on an update and keeps the subscriptions', async () => {
    const d = await device('lc-shelf-upd');
    const id = deviceIdFor('lc-shelf-upd');
    await d.register();
    await pullUntil((m) => m.registrations?.some((r) => r.ep === id) === true);
    expect((await call('PUT', `/v2/subscriptions/${id}/10341/0/26342`)).status).toBe(200);
    await waitFor('observation', () => d.observerCount('/10341/0/26342') === 1);

    expect((await d.update('lt=600')).code).toBe('2.04');
    const updated = await pullUntil((m) => m['reg-updates'] !== undefined);
    expect(updated['reg-updates']).toEqual([
      expect.objectContaining({ ep: id, 'original-ep': 'lc-shelf-upd' }),
    ]);
    expect((await call('GET', `/v2/subscriptions/${id}`)).text).toBe('/10341/0/26342\n');
    d.set('/10341/0/26342', '8');
    const value = await pullUntil((m) => m.notifications !== undefined);
    expect(value.notifications).toEqual([
      {
        ep: id,
        path: '/10341/0/26342',
        payload: Buffer.from('8').toString('base64'),
        ct: 'text/plain',
        'max-age': 60,
      },
    ]);
  });

  it('drops manual subscriptions on a full re-registration but re-applies pre-subscriptions', async () => {
    const d = await device('lc-shelf-rereg');
    const id = deviceIdFor('lc-shelf-rereg');
    await d.register();
    expect((await call('PUT', `/v2/subscriptions/${id}/10341/0/26341`)).status).toBe(200);
    expect(
      (
        await call('PUT', '/v2/subscriptions', [
          { 'endpoint-name': 'lc-shelf-rereg', 'resource-path': ['/10341/0/26342'] },
        ])
      ).status,
    ).toBe(204);
    await waitFor('manual observation', () => d.observerCount('/10341/0/26341') === 1);

    await d.register();
    await pullUntil((m) => (m.registrations ?? []).filter((r) => r.ep === id).length > 0);
    expect((await call('GET', `/v2/subscriptions/${id}`)).text).toBe('/10341/0/26342\n');
    expect((await call('GET', `/v2/subscriptions/${id}/10341/0/26341`)).status).toBe(404);
    await waitFor('pre-subscribed observation', () => d.observerCount('/10341/0/26342') === 1);
    expect(d.observerCount('/10341/0/26341')).toBe(0);
    await call('DELETE', '/v2/subscriptions');
  });

  it('serves a plain LwM2M 1.0 client that lists only object instances', async () => {
    const d = await device('lc-plain-client', { links: '</1/0>,</3/0>,</10341/0>' });
    const id = deviceIdFor('lc-plain-client');
    await d.register();
    await pullUntil((m) => m.registrations?.some((r) => r.ep === id) === true);
    expect((await call('GET', `/v2/endpoints/${id}`)).json).toEqual([
      { uri: '/1/0', obs: false },
      { uri: '/3/0', obs: false },
      { uri: '/10341/0', obs: false },
    ]);
    expect((await call('PUT', `/v2/subscriptions/${id}/10341/0/26342`)).status).toBe(200);
    await waitFor('observation', () => d.observerCount('/10341/0/26342') === 1);
    d.set('/10341/0/26342', '3');
    const message = await pullUntil((m) => m.notifications?.some((n) => n.payload === 'Mw==') === true);
    expect(message.notifications?.at(-1)).toMatchObject({ ep: id, path: '/10341/0/26342' });
    // Resources the device does not have are for the device to refuse.
    expect(
      (await call('POST', `/v2/device-requests/${id}?async-id=plain-1`, { method: 'GET', uri: '/10341/0/1' }))
        .status,
    ).toBe(202);
    const answer = await pullUntil((m) => m['async-responses'] !== undefined);
    expect(answer['async-responses']).toEqual([expect.objectContaining({ id: 'plain-1', status: 404 })]);
  });

  it('sends de-registrations and forgets the resources of the device', async () => {
    const d = await device('lc-shelf-dereg');
    const id = deviceIdFor('lc-shelf-dereg');
    await d.register();
    expect((await call('GET', `/v2/endpoints/${id}`)).status).toBe(200);
    expect((await d.deregister()).code).toBe('2.02');
    const message = await pullUntil((m) => m['de-registrations'] !== undefined);
    expect(message['de-registrations']).toEqual([id]);
    expect((await call('GET', `/v2/endpoints/${id}`)).status).toBe(404);
    expect((await d.update()).code).toBe('4.04'); // the location is gone
  });

  it('expires a registration whose lifetime passes without an update', async () => {
    const d = await device('lc-shelf-exp', { lifetime: 2 });
    const id = deviceIdFor('lc-shelf-exp');
    const before = metricValue(
      await cloud.metrics.metrics(),
      'devicecloud_registrations_total',
      'kind="expire"',
    );
    await d.register();
    // Updates within the lifetime keep it alive.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect((await d.update()).code).toBe('2.04');
    }
    expect(cloud.registry.get(id)?.state).toBe('registered');
    const message = await pullUntil((m) => m['registrations-expired'] !== undefined);
    expect(message['registrations-expired']).toEqual([id]);
    expect(cloud.registry.get(id)?.state).toBe('deregistered');
    const after = metricValue(
      await cloud.metrics.metrics(),
      'devicecloud_registrations_total',
      'kind="expire"',
    );
    expect(after - before).toBe(1);
    const listed = await call('GET', `/v3/devices?state=registered&endpoint_name=lc-shelf-exp`);
    expect((listed.json as { data: unknown[] }).data).toEqual([]);
  });
});
