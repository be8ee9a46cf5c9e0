// Deleting a ShelfFleet while its device cloud is down: the finalizer cannot
// remove the subscriptions, so the deletion waits, and the fleet says so
// (Deleting=True, Ready=False, reason CleanupBlocked, the way out in the
// message). The way out is an annotation that deletes without the clean-up;
// without it, the deletion completes once the device cloud answers again.
import { pino } from 'pino';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@shelfpulse/testenv';
import { startDeviceCloud, type DeviceCloud } from '@shelfpulse/simulator/cloud/device-cloud';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { isNotFound, type KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { allowReferenceLabel } from '@shelfpulse/core/kube/secret-reference';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { skipCloudCleanupAnnotation } from '../../src/shelf-fleet/deletion.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';

const apiKey = 'operator-deletion-key-1';
const silent = pino({ level: 'silent' });

type Fleet = ShelfFleet & KubeObject;

describe('deleting a ShelfFleet while the device cloud is down', () => {
  let kc: KubeConfig;
  let client: KubeClient;
  let namespace: string;
  let cloud: DeviceCloud | undefined;
  let cloudPort: number;
  let operator: RunningOperator;
  const fleetPath = (name: string) => resourcePath(resources.shelfFleets, namespace, name);
  const getFleet = (name: string) => client.get<Fleet>(fleetPath(name));
  const condition = (f: Fleet, type: string) => f.status?.conditions?.find((c) => c.type === type);
  const startCloud = (port = 0) =>
    startDeviceCloud({ apiKeys: [apiKey], logLevel: 'silent', http: { port } }, { logger: silent });
  // The finalizer is retried with backoff (up to two minutes): allow for a few rounds.
  const gone = (name: string) =>
    eventually(
      `${name} gone`,
      () =>
        getFleet(name).then(
          () => undefined,
          (e: unknown) => (isNotFound(e) ? true : undefined),
        ),
      90_000,
    );

  /** A fleet of real devices (no simulator) that is subscribed at the running device cloud. */
  async function subscribedFleet(name: string): Promise<Fleet> {
    cloud ??= await startCloud(cloudPort);
    await client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name },
      spec: {
        devices: { endpointNamePrefix: `${name}-` },
        placements: [{ productId: 'soap-500g', position: 'eye-level' }],
        deviceCloud: { apiUrl: cloud!.url, apiKeySecretRef: { name: 'device-cloud', key: 'apiKey' } },
      },
    });
    return eventually(`${name} subscribed, with the finalizer`, async () => {
      const f = await getFleet(name);
      return condition(f, 'Subscribed')?.status === 'True' &&
        f.metadata.finalizers?.includes('shelfpulse.io/device-cloud-subscriptions')
        ? f
        : undefined;
    });
  }

  /** Deletes the fleet with the device cloud stopped; resolves once the status says it is blocked. */
  async function deleteWhileCloudDown(name: string): Promise<Fleet> {
    await cloud!.close();
    cloud = undefined;
    await client.delete(fleetPath(name));
    return eventually(
      `${name} Deleting=True`,
      async () => {
        const f = await getFleet(name);
        return condition(f, 'Deleting')?.status === 'True' ? f : undefined;
      },
      60_000,
    );
  }

  beforeAll(async () => {
    ({ kc, client, namespace } = await clusterWithCrds('fleet-deletion'));
    await client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'device-cloud', labels: { [allowReferenceLabel]: 'true' } },
      stringData: { apiKey },
    });
    cloud = await startCloud();
    cloudPort = Number(new URL(cloud.url).port);
    operator = await startOperator(testOperatorConfig(namespace), { processMetrics: false });
  });
  afterAll(async () => {
    await operator?.close();
    await cloud?.close();
  });

  it('says the deletion is blocked and why, and finishes once the device cloud answers again', async () => {
    await subscribedFleet('waits');
    const blocked = await deleteWhileCloudDown('waits');
    expect(blocked.metadata.deletionTimestamp).toBeDefined();
    const deleting = condition(blocked, 'Deleting')!;
    expect(deleting.reason).toBe('CleanupBlocked');
    expect(deleting.message).toMatch(/deletion waits for the device cloud/);
    expect(deleting.message).toContain(`${skipCloudCleanupAnnotation}=true`);
    expect(condition(blocked, 'Ready')).toMatchObject({ status: 'False', reason: 'CleanupBlocked' });
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=waits`,
    });
    expect(events.items.map((e) => e.reason)).toContain('CleanupBlocked');

    // Back on the same address: the retried finalizer completes on its own.
    cloud = await startCloud(cloudPort);
    await gone('waits');
  });

  it('deletes without the clean-up when the fleet is annotated to skip it', async () => {
    await subscribedFleet('skips');
    await deleteWhileCloudDown('skips');
    await client.mergePatch(fleetPath('skips'), {
      metadata: { annotations: { [skipCloudCleanupAnnotation]: 'true' } },
    });
    await gone('skips');
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=skips`,
    });
    expect(events.items.map((e) => e.reason)).toContain('CleanupSkipped');
  });
});
