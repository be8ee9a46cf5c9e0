// Proves the emulator works with the official mbed-cloud-sdk as its client in
// long-poll mode: devices listed, resources listed, values read and written,
// subscriptions with callbacks, pre-subscriptions for later devices, and 401.
import { ConnectApi } from 'mbed-cloud-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import { waitFor } from './helpers.ts';
import { TestDevice } from './test-device.ts';

const apiKey = 'ak-long-poll-test-key';

describe('mbed-cloud-sdk against the emulator (long poll)', () => {
  let cloud: DeviceCloud;
  let connect: ConnectApi;
  const devices: TestDevice[] = [];

  async function device(endpoint: string, extra: Partial<Parameters<typeof TestDevice.start>[0]> = {}) {
    const d = await TestDevice.start({ endpoint, server: cloud.coap, ...extra });
    devices.push(d);
    return d;
  }

  beforeAll(async () => {
    cloud = await startDeviceCloud({ apiKeys: [apiKey], longPoll: { timeoutMs: 2_000 }, logLevel: 'silent' });
    connect = new ConnectApi({ apiKey, host: cloud.url, autostartNotifications: true, forceClear: true });
  });

  afterAll(async () => {
    await connect?.stopNotifications().catch(() => undefined);
    for (const d of devices) await d.close();
    await cloud?.close();
  });

  it('lists connected devices, and not those that de-registered', async () => {
    const a = await device('lp-shelf-1', { endpointType: 'smart-shelf' });
    const b = await device('lp-shelf-2');
    expect((await a.register()).code).toBe('2.01');
    expect((await b.register()).code).toBe('2.01');
    expect((await b.deregister()).code).toBe('2.02');

    const list = await connect.listConnectedDevices();
    const ids = list.data.map((d) => d.id);
    expect(ids).toContain(deviceIdFor('lp-shelf-1'));
    expect(ids).not.toContain(deviceIdFor('lp-shelf-2'));
    const shelf = list.data.find((d) => d.id === deviceIdFor('lp-shelf-1'))!;
    expect(shelf.alias).toBe('lp-shelf-1');
    expect(shelf.deviceType).toBe('smart-shelf');
    expect(shelf.state).toBe('registered');
  });

  it('lists resources with their observability and reads, writes and executes them', async () => {
    const d = await device('lp-shelf-rw', { values: { '/10341/0/26341': 'sku-42', '/10341/0/26342': '9' } });
    await d.register();
    const id = deviceIdFor('lp-shelf-rw');

    const resources = await connect.listResources(id);
    const byPath = Object.fromEntries(resources.map((r) => [r.path, r.observable]));
    expect(byPath).toMatchObject({ '/10341/0': false, '/10341/0/26341': true, '/10341/0/26342': true });

    const value = await connect.getResourceValue(id, '/10341/0/26341', 5_000);
    expect(String(value)).toBe('sku-42');

    await connect.setResourceValue(id, '/10341/0/26342', '24', 5_000);
    expect(d.values.get('/10341/0/26342')).toBe('24');
    expect(String(await connect.getResourceValue(id, '/10341/0/26342', 5_000))).toBe('24');

    await connect.executeResource(id, '/10341/0/5', 'restock', 5_000);
    expect(d.executed).toEqual([{ path: '/10341/0/5', payload: 'restock' }]);
  });

  it('reports a resource the device does not have as an error', async () => {
    const d = await device('lp-shelf-missing');
    await d.register();
    await expect(
      connect.getResourceValue(deviceIdFor('lp-shelf-missing'), '/10341/0/99', 5_000),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('delivers notifications to a subscription callback until it is deleted', async () => {
    const d = await device('lp-shelf-sub');
    await d.register();
    const id = deviceIdFor('lp-shelf-sub');
    const seen: string[] = [];

    // The SDK calls a subscription callback node-style: (error, value).
    await connect.addResourceSubscription(id, '/10341/0/26342', (_error: unknown, value: unknown) =>
      seen.push(String(value)),
    );
    expect(await connect.getResourceSubscription(id, '/10341/0/26342')).toBe(true);
    await waitFor('the device to be observed', () => d.observerCount('/10341/0/26342') === 1);
    d.set('/10341/0/26342', '11');
    d.set('/10341/0/26342', '10');
    await waitFor('notifications', () => seen.includes('10'));
    expect(seen.slice(-2)).toEqual(['11', '10']);

    await connect.deleteResourceSubscription(id, '/10341/0/26342');
    expect(await connect.getResourceSubscription(id, '/10341/0/26342')).toBe(false);
    await waitFor('the observation to be cancelled', () => d.observerCount('/10341/0/26342') === 0);
    const before = seen.length;
    d.set('/10341/0/26342', '3');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.length).toBe(before);
  });

  it('applies pre-subscriptions by endpoint-name prefix to devices that register later', async () => {
    await connect.updatePresubscriptions([{ deviceId: 'lp-aisle7-*', resourcePaths: ['/10341/0/26342'] }]);
    expect(await connect.listPresubscriptions()).toEqual([
      { deviceId: 'lp-aisle7-*', deviceType: null, resourcePaths: ['/10341/0/26342'] },
    ]);
    const values: { id: string; path: string; payload: unknown }[] = [];
    connect.on('notification', (n: { id: string; path: string; payload: unknown }) => values.push(n));

    const later = await device('lp-aisle7-shelf-3', { values: { '/10341/0/26342': '5' } });
    const other = await device('lp-aisle8-shelf-1');
    await later.register();
    await other.register();
    await waitFor(
      'the pre-subscribed device to be observed',
      () => later.observerCount('/10341/0/26342') === 1,
    );
    later.set('/10341/0/26342', '4');
    const id = deviceIdFor('lp-aisle7-shelf-3');
    await waitFor('the notification', () => values.some((v) => v.id === id && v.payload === '4'));
    expect(values.filter((v) => v.id === id).map((v) => v.payload)).toEqual(['5', '4']);
    expect(other.observerCount('/10341/0/26342')).toBe(0);
    expect(values.some((v) => v.id === deviceIdFor('lp-aisle8-shelf-1'))).toBe(false);

    await connect.deletePresubscriptions();
    expect(await connect.listPresubscriptions()).toEqual([]);
  });

  it('deletes the subscriptions of a device and of all devices', async () => {
    const a = await device('lp-shelf-del-a');
    const b = await device('lp-shelf-del-b');
    await a.register();
    await b.register();
    const [idA, idB] = [deviceIdFor('lp-shelf-del-a'), deviceIdFor('lp-shelf-del-b')];
    for (const id of [idA, idB]) {
      await connect.addResourceSubscription(id, '/10341/0/26342');
      await connect.addResourceSubscription(id, '/10341/0/26341');
    }
    expect((await connect.listDeviceSubscriptions(idA)).split('\n').filter(Boolean).sort()).toEqual([
      '/10341/0/26341',
      '/10341/0/26342',
    ]);
    await connect.deleteDeviceSubscriptions(idA);
    expect(await connect.getResourceSubscription(idA, '/10341/0/26342')).toBe(false);
    expect(await connect.getResourceSubscription(idB, '/10341/0/26342')).toBe(true);
    await waitFor('observations of a to end', () => a.observerCount('/10341/0/26342') === 0);

    await connect.deleteSubscriptions();
    expect(await connect.getResourceSubscription(idB, '/10341/0/26342')).toBe(false);
    await waitFor('observations of b to end', () => b.observerCount('/10341/0/26341') === 0);
  });

  it('pages connected devices through the SDK', async () => {
    const first = await connect.listConnectedDevices({ limit: 2, include: ['totalCount'] });
    expect(first.data).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    expect(first.totalCount).toBeGreaterThan(2);
    const second = await connect.listConnectedDevices({ limit: 2, after: first.data[1]!.id });
    expect(second.data.map((d) => d.id)).not.toContain(first.data[0]!.id);
  });

  it('refuses a wrong API key with 401', async () => {
    const wrong = new ConnectApi({ apiKey: 'ak-not-a-key-of-this-cloud', host: cloud.url });
    await expect(wrong.listConnectedDevices()).rejects.toMatchObject({ code: 401 });
  });
});
