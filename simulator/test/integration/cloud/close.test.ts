// Proves close() ends everything promptly: observations, an open long poll, a
// request to a device that never answers, and a webhook waiting to retry.
import { describe, expect, it } from 'vitest';
import { startDeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import { waitFor } from './helpers.ts';
import { api } from './http-client.ts';
import { TestDevice } from './test-device.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

describe('closing the emulator', () => {
  it('resolves close() with observations, polls, device requests and webhook retries in flight', async () => {
    const [pollKey, hookKey] = ['ak-close-poll-key', 'ak-close-hook-key'];
    const cloud = await startDeviceCloud({
      apiKeys: [pollKey, hookKey],
      longPoll: { timeoutMs: 60_000 },
      device: { requestTimeoutMs: 60_000 },
      webhook: { retryBaseMs: 60_000, retryMaxMs: 60_000 },
      logLevel: 'silent',
    });
    const receiver = await WebhookReceiver.start();
    const shelf = await TestDevice.start({ endpoint: 'close-shelf', server: cloud.coap });
    const quiet = await TestDevice.start({ endpoint: 'close-quiet', server: cloud.coap, silent: true });
    try {
      const call = (key: string, method: string, path: string, body?: unknown) =>
        api(cloud.url, method, path, { key, body });
      expect((await call(hookKey, 'PUT', '/v2/notification/callback', { url: receiver.url })).status).toBe(
        204,
      );
      receiver.failNext = 1_000;
      await shelf.register();
      await quiet.register();
      await waitFor('a failed webhook delivery', () => receiver.received.some((p) => p.status === 500));

      const id = deviceIdFor('close-shelf');
      expect((await call(pollKey, 'PUT', `/v2/subscriptions/${id}/10341/0/26342`)).status).toBe(200);
      await waitFor('the observation', () => shelf.observerCount('/10341/0/26342') === 1);
      const poll = call(pollKey, 'GET', '/v2/notification/pull').catch(() => undefined);
      const request = await call(
        pollKey,
        'POST',
        `/v2/device-requests/${deviceIdFor('close-quiet')}?async-id=stuck`,
        {
          method: 'GET',
          uri: '/10341/0/26342',
        },
      );
      expect(request.status).toBe(202);

      const started = Date.now();
      await cloud.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      await poll;
      await expect(fetch(`${cloud.url}/healthz`)).rejects.toThrow();
    } finally {
      await shelf.close();
      await quiet.close();
      await receiver.close();
    }
  });
});
