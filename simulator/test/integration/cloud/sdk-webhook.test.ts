// Proves webhook mode with the official mbed-cloud-sdk: the callback is
// verified when registered, batches are PUT with the configured headers and
// fed to the SDK through notify(), and failed deliveries are retried with
// exponential backoff until they succeed, in order.
import { ConnectApi } from 'mbed-cloud-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import { metricValue, waitFor } from './helpers.ts';
import { TestDevice } from './test-device.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const apiKey = 'ak-webhook-test-key';
const retryBaseMs = 100;

describe('mbed-cloud-sdk against the emulator (webhook)', () => {
  let cloud: DeviceCloud;
  let connect: ConnectApi;
  let receiver: WebhookReceiver;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    cloud = await startDeviceCloud({
      apiKeys: [apiKey],
      webhook: { retryBaseMs, retryMaxMs: 1_000 },
      logLevel: 'silent',
    });
    receiver = await WebhookReceiver.start();
    // handleNotifications: the application receives the PUTs and calls notify().
    connect = new ConnectApi({ apiKey, host: cloud.url, handleNotifications: true });
    receiver.onBody = (body) => connect.notify(body as Parameters<ConnectApi['notify']>[0]);
  });

  afterAll(async () => {
    for (const d of devices) await d.close();
    await cloud?.close();
    await receiver?.close();
  });

  it('verifies the callback URL and keeps it with its headers', async () => {
    await connect.updateWebhook(receiver.url, { 'x-shelfpulse-token': 'secret-1' });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers['x-shelfpulse-token']).toBe('secret-1');
    const webhook = await connect.getWebhook();
    expect(webhook?.url).toBe(receiver.url);
    expect(webhook?.headers).toEqual({ 'x-shelfpulse-token': 'secret-1' });
  });

  it('refuses a callback URL that does not answer 2xx', async () => {
    receiver.failNext = 1;
    await expect(connect.updateWebhook(`${receiver.url}?broken`)).rejects.toMatchObject({ code: 400 });
    expect((await connect.getWebhook())?.url).toBe(receiver.url);
  });

  it('delivers registrations and pre-subscribed values to a resourceValues observer via notify()', async () => {
    await connect.updatePresubscriptions([{ deviceId: 'wh-shelf-*', resourcePaths: ['/10341/0/26342'] }]);
    const observer = await connect.subscribe.resourceValues({ resourcePaths: ['/10341/0/26342'] });
    const values: { deviceId: string | undefined; payload: unknown }[] = [];
    observer.addListener((n) => values.push({ deviceId: n.deviceId, payload: n.payload }));
    const registrations: string[] = [];
    connect.on('registration', (d: { id: string }) => registrations.push(d.id));

    const shelf = await TestDevice.start({ endpoint: 'wh-shelf-1', server: cloud.coap });
    devices.push(shelf);
    await shelf.register();
    const id = deviceIdFor('wh-shelf-1');
    await waitFor('the registration', () => registrations.includes(id));
    await waitFor('the device to be observed', () => shelf.observerCount('/10341/0/26342') === 1);
    shelf.set('/10341/0/26342', '7');
    await waitFor('the value', () => values.some((v) => v.deviceId === id && v.payload === '7'));
    // After the two verification PUTs, every delivery carries the configured headers.
    for (const put of receiver.received.slice(2)) {
      expect(put.headers['x-shelfpulse-token']).toBe('secret-1');
      expect(put.headers['content-type']).toBe('application/json');
    }
    observer.unsubscribe();
  });

  it('retries a failed delivery with growing delays and then delivers it', async () => {
    const shelf = await TestDevice.start({ endpoint: 'wh-shelf-2', server: cloud.coap });
    devices.push(shelf);
    const id = deviceIdFor('wh-shelf-2');
    const failuresBefore = metricValue(await cloud.metrics.metrics(), 'devicecloud_webhook_failures_total');
    const start = receiver.received.length;
    const seenBySdk: string[] = [];
    connect.on('registration', (d: { id: string }) => seenBySdk.push(d.id));
    receiver.failNext = 3;
    await shelf.register();

    const delivered = await waitFor('the registration to get through', () =>
      receiver.received.slice(start).find((p) => p.status === 200 && JSON.stringify(p.body).includes(id)),
    );
    const attempts = receiver.received.slice(start, receiver.received.indexOf(delivered) + 1);
    expect(attempts.map((a) => a.status)).toEqual([500, 500, 500, 200]);
    // The same batch each time, never a newer one first.
    for (const a of attempts) expect(a.body).toEqual(delivered.body);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(retryBaseMs - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * retryBaseMs - 5);
    expect(gaps[2]).toBeGreaterThanOrEqual(4 * retryBaseMs - 5);
    const failuresAfter = metricValue(await cloud.metrics.metrics(), 'devicecloud_webhook_failures_total');
    expect(failuresAfter - failuresBefore).toBe(3);
    // Once through, the SDK saw the registration exactly once.
    await waitFor('the SDK to see the registration', () => seenBySdk.includes(id));
    expect(seenBySdk.filter((x) => x === id)).toHaveLength(1);
  });

  it('stops delivering once the webhook is deleted', async () => {
    await connect.deleteWebhook();
    expect(await connect.getWebhook()).toBeNull();
    const count = receiver.received.length;
    const shelf = await TestDevice.start({ endpoint: 'wh-shelf-3', server: cloud.coap });
    devices.push(shelf);
    await shelf.register();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.length).toBe(count);
  });
});
