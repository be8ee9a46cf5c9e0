// Device-cloud subscriptions of ShelfFleets, through the official
// mbed-cloud-sdk against the device-cloud emulator, with shelves run by the
// real simulator from the configuration the operator rendered.
import { ConnectApi } from 'mbed-cloud-sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@shelfpulse/testenv';
import { startDeviceCloud, type DeviceCloud } from '@shelfpulse/simulator/cloud/device-cloud';
import { ShelfSimRunner } from '@shelfpulse/simulator/shelf/shelf-sim-runner';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { SimulatorConfigSchema } from '@shelfpulse/core/api/simulator-config';
import { isNotFound, type KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';
import { allowReferenceLabel } from '@shelfpulse/core/kube/secret-reference';

const apiKey = 'operator-subscriptions-key-1';
const silent = pino({ level: 'silent' });
const foreignEntry = { deviceId: 'thermostat-*', resourcePaths: ['/3303/0/5700'] };

type Fleet = ShelfFleet & KubeObject;

describe('ShelfFleet device-cloud subscriptions', () => {
  let client: KubeClient;
  let namespace: string;
  let cloud: DeviceCloud;
  let sdk: ConnectApi;
  let operator: RunningOperator;
  const runners: ShelfSimRunner[] = [];
  const fleetPath = (name: string) => resourcePath(resources.shelfFleets, namespace, name);
  const getFleet = (name: string) => client.get<Fleet>(fleetPath(name));
  const condition = (f: Fleet, type: string) => f.status?.conditions?.find((c) => c.type === type);

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('fleet-subs'));
    cloud = await startDeviceCloud(
      { apiKeys: [apiKey], longPoll: { timeoutMs: 300 }, logLevel: 'silent' },
      { logger: silent },
    );
    sdk = new ConnectApi({ apiKey, host: cloud.url, autostartNotifications: false, skipCleanup: true });
    // Someone else's pre-subscription under the same account: the operator must keep it.
    await sdk.updatePresubscriptions([foreignEntry]);
    await client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'device-cloud', labels: { [allowReferenceLabel]: 'true' } },
      stringData: { apiKey },
    });
    operator = await startOperator(
      testOperatorConfig(namespace, { lwm2mHost: cloud.coap.host, lwm2mPort: cloud.coap.port }),
      { processMetrics: false },
    );
  });
  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop({ timeoutMs: 500 })));
    await operator?.close();
    await cloud?.close();
  });

  const pull = () =>
    fetch(`${cloud.url}/v2/notification/pull`, { headers: { authorization: `Bearer ${apiKey}` } });
  const deviceCloud = () => ({ apiUrl: cloud.url, apiKeySecretRef: { name: 'device-cloud', key: 'apiKey' } });

  it('adds a pre-subscription for a simulated fleet beside the entries it does not own', async () => {
    await client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: 'aisle-3' },
      spec: {
        replicas: 2,
        placements: [{ productId: 'soap-500g', position: 'eye-level', capacity: 12, restockThreshold: 4 }],
        simulator: { shelvesPerReplica: 2, speedup: 5 },
        deviceCloud: deviceCloud(),
      },
    });
    const entry = { deviceId: `${namespace}.aisle-3.*`, resourcePaths: ['/10341/0/26341', '/10341/0/26342'] };
    await eventually('the fleet pre-subscription', async () => {
      const presubs = await sdk.listPresubscriptions();
      return presubs.some((p) => p.deviceId === entry.deviceId) ? presubs : undefined;
    });
    const presubs = await sdk.listPresubscriptions();
    expect(presubs).toContainEqual(expect.objectContaining(foreignEntry));
    expect(presubs).toContainEqual(expect.objectContaining(entry));
    expect(presubs).toHaveLength(2);
  });

  it('counts and subscribes the shelves the simulator registers from the rendered configuration', async () => {
    const cm = await eventually('the ConfigMap', () =>
      client.get<KubeObject & { data: Record<string, string> }>(
        resourcePath(resources.configMaps, namespace, 'aisle-3-sim'),
      ),
    );
    // Two pods would run this file with replica indexes 0 and 1 (no kubelet here: we run them).
    for (const replicaIndex of [0, 1]) {
      const config = SimulatorConfigSchema.parse({ ...JSON.parse(cm.data['config.json']!), replicaIndex });
      const runner = new ShelfSimRunner(config, { bindAddress: '127.0.0.1', log: silent });
      runners.push(runner);
      await runner.start();
    }
    expect(runners.flatMap((r) => r.endpoints)).toEqual([0, 1, 2, 3].map((i) => `${namespace}.aisle-3.${i}`));
    const fleet = await eventually('4 registered and subscribed devices', async () => {
      const f = await getFleet('aisle-3');
      return f.status?.registeredDevices === 4 && f.status.subscribedDevices === 4 ? f : undefined;
    });
    expect(condition(fleet, 'Subscribed')).toMatchObject({ status: 'True', reason: 'Subscribed' });
    const devices = await sdk.listConnectedDevices();
    const mine = devices.data.filter((d) => d.alias?.startsWith(`${namespace}.aisle-3.`));
    expect(mine).toHaveLength(4);
    for (const d of mine) {
      const paths = (await sdk.listDeviceSubscriptions(d.id)).split('\n').filter(Boolean);
      expect(paths).toEqual(expect.arrayContaining(['/10341/0/26341', '/10341/0/26342']));
    }
  });

  it('manages only subscriptions for a fleet of real devices (no simulator block)', async () => {
    const config = SimulatorConfigSchema.parse({
      fleet: 'real',
      endpointPrefix: `real-${namespace}-`,
      server: cloud.coap,
      shelvesPerReplica: 1,
      placements: [{ productId: 'rice-1kg', position: 'low' }],
    });
    const runner = new ShelfSimRunner(config, { bindAddress: '127.0.0.1', log: silent });
    runners.push(runner);
    // The shelf registers before the fleet's pre-subscription exists, so only an
    // explicit subscription gets it observed before its next registration update.
    await runner.start();
    expect((await pull()).status).toBe(204); // opens the key's notification channel
    await client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: 'store-shelves' },
      spec: {
        devices: { endpointNamePrefix: `real-${namespace}-`, endpointType: 'smart-shelf' },
        placements: [{ productId: 'rice-1kg', position: 'low' }],
        deviceCloud: deviceCloud(),
      },
    });
    const fleet = await eventually('the real device subscribed', async () => {
      const f = await getFleet('store-shelves');
      return f.status?.subscribedDevices === 1 ? f : undefined;
    });
    expect(fleet.status).toMatchObject({ registeredDevices: 1, replicas: 0 });
    // Observed now: the device's count reaches the channel (the first answer to an observation is delivered).
    const shelf = (await sdk.listConnectedDevices()).data.find((d) => d.alias === `real-${namespace}-0`)!;
    await eventually('the shelf count delivered', async () => {
      const res = await pull();
      const message =
        res.status === 200 ? ((await res.json()) as { notifications?: { ep: string; path: string }[] }) : {};
      return (
        message.notifications?.some((n) => n.ep === shelf.id && n.path === '/10341/0/26342') || undefined
      );
    });
    expect(condition(fleet, 'SimulatorAvailable')).toMatchObject({ status: 'True', reason: 'NoSimulator' });
    await expect(
      client.get(resourcePath(resources.statefulSets, namespace, 'store-shelves-sim')),
    ).rejects.toThrow(/404/);
    const presubs = await sdk.listPresubscriptions();
    expect(presubs).toContainEqual(
      expect.objectContaining({ deviceId: `real-${namespace}-*`, deviceType: 'smart-shelf' }),
    );
  });

  it('says so when the API key is refused, and recovers when the Secret is fixed', async () => {
    await client.mergePatch(resourcePath(resources.secrets, namespace, 'device-cloud'), {
      stringData: { apiKey: 'not-the-right-key' },
    });
    const refused = await eventually('Subscribed=False', async () => {
      const f = await getFleet('store-shelves');
      const c = condition(f, 'Subscribed');
      return c?.status === 'False' ? c : undefined;
    });
    expect(refused).toMatchObject({ reason: 'DeviceCloudUnauthorized' });
    expect(refused.message).toMatch(/refused the API key/);
    await client.mergePatch(resourcePath(resources.secrets, namespace, 'device-cloud'), {
      stringData: { apiKey },
    });
    await eventually('Subscribed=True again', async () => {
      const f = await getFleet('store-shelves');
      return condition(f, 'Subscribed')?.status === 'True' ? f : undefined;
    });
  });

  it('removes the fleet subscriptions and its pre-subscription when the fleet is deleted (finalizer)', async () => {
    const before = await getFleet('aisle-3');
    expect(before.metadata.finalizers).toContain('shelfpulse.io/device-cloud-subscriptions');
    await client.delete(fleetPath('aisle-3'));
    await eventually('the fleet gone', () =>
      getFleet('aisle-3').then(
        () => undefined,
        (e: unknown) => (isNotFound(e) ? true : undefined),
      ),
    );
    const presubs = await sdk.listPresubscriptions();
    expect(presubs.map((p) => p.deviceId).sort()).toEqual([`real-${namespace}-*`, 'thermostat-*'].sort());
    const devices = await sdk.listConnectedDevices();
    const gone = devices.data.filter((x) => x.alias?.startsWith(`${namespace}.aisle-3.`));
    expect(gone).toHaveLength(4);
    for (const d of gone) {
      for (const path of ['/10341/0/26341', '/10341/0/26342']) {
        expect(await sdk.getResourceSubscription(d.id, path)).toBe(false);
      }
    }
    // The other fleet is untouched.
    const other = await getFleet('store-shelves');
    expect(other.status?.subscribedDevices).toBe(1);
  });
});
