// Proves the webhook channel's bounds: while the callback fails, events queue
// up to the configured bound, the oldest are dropped and counted, and once the
// callback answers 2xx the rest arrive in order, one batch at a time; a
// callback that never recovers is removed after webhook.removeAfterMs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import type { NotificationMessage } from '../../../src/cloud/notification-message.ts';
import { metricValue, waitFor, waitForMetric } from './helpers.ts';
import { api } from './http-client.ts';
import { TestDevice } from './test-device.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const key = 'ak-webhook-queue-key';

describe('webhook queue and removal', () => {
  let cloud: DeviceCloud;
  let receiver: WebhookReceiver;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    cloud = await startDeviceCloud({
      apiKeys: [key],
      webhook: { retryBaseMs: 20, retryMaxMs: 40 },
      channel: { queueSize: 3, maxBatch: 1 },
      logLevel: 'silent',
    });
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    for (const d of devices) await d.close();
    await cloud?.close();
    await receiver?.close();
  });

  it('drops the oldest events beyond the bound and delivers the rest in order after recovery', async () => {
    expect(
      (await api(cloud.url, 'PUT', '/v2/notification/callback', { key, body: { url: receiver.url } })).status,
    ).toBe(204);
    receiver.failNext = 1_000_000;
    const ids: string[] = [];
    for (let n = 1; n <= 6; n++) {
      const d = await TestDevice.start({ endpoint: `wq-shelf-${n}`, server: cloud.coap });
      devices.push(d);
      await d.register();
      ids.push(deviceIdFor(`wq-shelf-${n}`));
      // Let the first batch leave before the next event, so it is the one in flight.
      if (n === 1)
        await waitFor('the first failed attempt', () => receiver.received.some((p) => p.status === 500));
    }
    await waitFor('retries to continue', () => receiver.received.filter((p) => p.status === 500).length >= 3);
    receiver.failNext = 0;
    // Answer each delivery a little after taking it: the emulator counts it only once the answer is back.
    receiver.answerDelayMs = 150;

    const delivered = () =>
      receiver.received
        .filter((p) => p.status === 200 && p.body && Object.keys(p.body).length > 0)
        .flatMap((p) => (p.body as NotificationMessage).registrations?.map((r) => r.ep) ?? []);
    await waitFor('the queue to drain', () => delivered().length === 4);
    // The batch in flight (device 1) is kept; of devices 2–6 only the newest three fit.
    expect(delivered()).toEqual([ids[0], ids[3], ids[4], ids[5]]);
    // Drops are counted as they happen, before anything is delivered.
    const metrics = await cloud.metrics.metrics();
    expect(metricValue(metrics, 'devicecloud_channel_events_dropped_total', 'reason="queue_full"')).toBe(2);
    // A delivery is counted when the receiver's 2xx is back, after the receiver has it: wait for the count.
    await waitForMetric(cloud.metrics, 'devicecloud_channel_events_delivered_total', 'channel="webhook"', 4);
  });

  it('removes a webhook that keeps failing for removeAfterMs, dropping what it could not deliver', async () => {
    const failing = await startDeviceCloud({
      apiKeys: [key],
      webhook: { retryBaseMs: 20, retryMaxMs: 40, removeAfterMs: 200 },
      logLevel: 'silent',
    });
    const hook = await WebhookReceiver.start();
    const d = await TestDevice.start({ endpoint: 'wq-shelf-removed', server: failing.coap });
    try {
      expect(
        (await api(failing.url, 'PUT', '/v2/notification/callback', { key, body: { url: hook.url } })).status,
      ).toBe(204);
      hook.failNext = 1_000_000;
      await d.register();
      await waitFor('the webhook to be removed', async () => {
        return (await api(failing.url, 'GET', '/v2/notification/callback', { key })).status === 404;
      });
      expect(hook.received.filter((p) => p.status === 500).length).toBeGreaterThanOrEqual(3);
      const metrics = await failing.metrics.metrics();
      expect(
        metricValue(metrics, 'devicecloud_channel_events_dropped_total', 'reason="webhook_removed"'),
      ).toBe(1);
      // A new webhook can be registered afterwards.
      hook.failNext = 0;
      expect(
        (await api(failing.url, 'PUT', '/v2/notification/callback', { key, body: { url: hook.url } })).status,
      ).toBe(204);
    } finally {
      await d.close();
      await failing.close();
      await hook.close();
    }
  });
});
