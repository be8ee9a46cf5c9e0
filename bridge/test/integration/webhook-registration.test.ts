// Webhook registration at start: every replica registers the same public URL,
// which the device cloud verifies with a PUT. In a cluster that URL reaches a
// pod only once the Lease holder has labelled itself, so the first attempt can
// fail: the bridge starts anyway, is not Ready while its channel is not there
// (the cloud drops notifications meanwhile, so `helm --wait` must wait), retries
// in the background, and is Ready once the URL answers. Against the
// device-cloud emulator, which verifies the URL as the real service does.
import { createServer } from 'node:http';
import { startDeviceCloud, type DeviceCloud } from '@shelfpulse/simulator/cloud/device-cloud';
import { freePort } from '@shelfpulse/testenv';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { eventually, silent } from './helpers.ts';

const env = inject('testenv');
const apiKey = 'webhook-registration-key-0001';
const secret = 'webhook-registration-secret-01';

describe('webhook registration at start', () => {
  let cloud: DeviceCloud;
  let publicPort: number;
  let app: BridgeApp | undefined;

  const readiness = async (): Promise<string> => {
    const res = await fetch(`${app!.url}/readyz`);
    return `${res.status} ${(await res.text()).trim()}`;
  };
  const callbackStatus = async (): Promise<number> =>
    (await fetch(`${cloud.url}/v2/notification/callback`, { headers: { authorization: `Bearer ${apiKey}` } }))
      .status;

  beforeEach(async () => {
    cloud = await startDeviceCloud({ apiKeys: [apiKey], logLevel: 'silent' }, { logger: silent });
    // Nothing answers the public URL yet.
    publicPort = await freePort();
    app = await startBridgeApp(
      BridgeConfigSchema.parse({
        listen: { port: 0 },
        webhook: { secret, publicUrl: `http://127.0.0.1:${publicPort}/notify` },
        cloud: { apiUrl: cloud.url, apiKey },
        sinks: [{ name: 'main', url: env.influx.url, database: 'webhook_registration' }],
        healthIntervalMs: 0,
        placementEffect: { intervalMs: 0 },
        logLevel: 'silent',
      }),
      { log: silent },
    );
  });

  afterEach(async () => {
    await app?.close(500);
    app = undefined;
    await cloud.close();
  });

  it('starts although the first attempt fails, and registers once the URL answers', async () => {
    expect(await readiness()).toBe(
      '503 not ready: notification channel not registered with the device cloud yet',
    );
    expect(await callbackStatus()).toBe(404);
    // The public URL starts answering (the Service has found the holder's pod).
    const front = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => front.listen(publicPort, '127.0.0.1', resolve));
    try {
      await eventually(async () => (await readiness()) === '200 ready', 15_000);
      expect(await callbackStatus()).toBe(200);
    } finally {
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it('stops retrying when it closes', async () => {
    await app!.close(500);
    app = undefined;
    // Nothing registered it after the close.
    const front = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => front.listen(publicPort, '127.0.0.1', resolve));
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await callbackStatus()).toBe(404);
    } finally {
      await new Promise((resolve) => front.close(resolve));
    }
  });
});
