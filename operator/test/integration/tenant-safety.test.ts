// What someone who may create ShelfFleets and MetricSinks, but not read
// Secrets, can reach: an HTTP server owned by the test stands for their own
// server. The operator's device-cloud key never reaches it; a Secret that has
// not opted in is refused with a condition, and its value never reaches it
// either (not through the operator, not through the bridge); an endpoint the
// administrator did not allow is refused before any request.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNamespace, eventually, loadKubeConfig } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { Condition } from '@shelfpulse/core/api/condition';
import { KubeRouting } from '@shelfpulse/bridge/kube-routing';
import { BridgeMetrics } from '@shelfpulse/bridge/metrics';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { allowedKeysAnnotation, allowReferenceLabel } from '@shelfpulse/core/kube/secret-reference';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';

const env = inject('testenv');
const operatorKey = 'operator-own-key-5f2c9d';
const tenantSecretValue = 'never-opted-in-7a41e0';
const optedInKey = 'opted-in-key-93bd11';

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type WithConditions = KubeObject & { status?: { conditions?: Condition[] } };

describe('a resource author cannot reach credentials', () => {
  let client: KubeClient;
  let namespace: string;
  let operator: RunningOperator;
  let unmanagedOperator: RunningOperator | undefined;
  let trap: Server;
  let trapUrl: string;
  const seen: Seen[] = [];
  const seenText = () => JSON.stringify(seen);

  const secret = (name: string, data: Record<string, string>, optedIn: boolean) =>
    client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, ...(optedIn ? { labels: { [allowReferenceLabel]: 'true' } } : {}) },
      stringData: data,
    });
  const fleet = (name: string, deviceCloud: Record<string, unknown>) =>
    client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name },
      spec: {
        devices: { endpointNamePrefix: `${name}-` },
        placements: [{ productId: 'tea', position: 'top' }],
        deviceCloud,
      },
    });
  const conditionOf = (path: string, type: string, reason: string) =>
    eventually(`${path} ${type} ${reason}`, async () => {
      const c = (await client.get<WithConditions>(path)).status?.conditions?.find((x) => x.type === type);
      return c?.reason === reason ? c : undefined;
    });
  const subscribed = (name: string, reason: string) =>
    conditionOf(resourcePath(resources.shelfFleets, namespace, name), 'Subscribed', reason);

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('tenant'));
    trap = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"who are you"}');
      });
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    await secret(
      'not-opted-in',
      { apiKey: tenantSecretValue, username: 'u', password: tenantSecretValue },
      false,
    );
    await secret('opted-in', { apiKey: optedInKey }, true);
    operator = await startOperator(
      testOperatorConfig(namespace, {
        // The operator's own device cloud: a port where nothing listens.
        deviceCloudUrl: 'http://127.0.0.1:9/own-cloud',
        deviceCloudApiKey: operatorKey,
        deviceCloudAllowedUrls: [trapUrl],
      }),
      { processMetrics: false },
    );
  });
  afterAll(async () => {
    await unmanagedOperator?.close();
    await operator?.close();
    await new Promise((r) => trap?.close(r));
  });

  it("never sends the operator's own key to an endpoint a fleet names", async () => {
    await fleet('borrow-key', { apiUrl: trapUrl });
    const c = await subscribed('borrow-key', 'ApiKeySecretRequired');
    expect(c.status).toBe('False');
    expect(c.message).toContain('spec.deviceCloud.apiKeySecretRef');
    expect(seenText()).not.toContain(operatorKey);
  });

  it('refuses a Secret that has not opted in, for a fleet and a sink, and its value goes nowhere', async () => {
    await fleet('borrow-secret', {
      apiUrl: trapUrl,
      apiKeySecretRef: { name: 'not-opted-in', key: 'apiKey' },
    });
    const onFleet = await subscribed('borrow-secret', 'SecretNotAllowed');
    expect(onFleet.message).toContain(`${allowReferenceLabel}=true`);

    await client.create(resourcePath(resources.metricSinks, namespace), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'borrow-secret' },
      spec: { url: trapUrl, database: 'x', credentialsSecretRef: { name: 'not-opted-in' } },
    });
    const onSink = await conditionOf(
      resourcePath(resources.metricSinks, namespace, 'borrow-secret'),
      'Ready',
      'SecretNotAllowed',
    );
    expect(onSink.status).toBe('False');

    // The bridge reads the same references and leaves the sink out.
    const routing = new KubeRouting({
      client,
      log: pino({ level: 'silent' }),
      metrics: new BridgeMetrics().watch,
      namespace,
    });
    const sinks = await routing.start();
    await routing.stop();
    expect(sinks.map((s) => s.name)).not.toContain(`${namespace}.borrow-secret`);
    expect(seenText()).not.toContain(tenantSecretValue);
  });

  it("refuses a key the Secret's owner did not allow, and sends none of its keys", async () => {
    await client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'writer-only',
        labels: { [allowReferenceLabel]: 'true' },
        annotations: { [allowedKeysAnnotation]: 'writer-user, writer-password' },
      },
      stringData: {
        'writer-user': 'writer',
        'writer-password': 'writer-password-3c1f',
        'admin-user': 'admin',
        'admin-password': tenantSecretValue,
      },
    });
    await client.create(resourcePath(resources.metricSinks, namespace), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'borrow-admin' },
      spec: {
        url: trapUrl,
        database: 'x',
        credentialsSecretRef: {
          name: 'writer-only',
          usernameKey: 'admin-user',
          passwordKey: 'admin-password',
        },
      },
    });
    const refused = await conditionOf(
      resourcePath(resources.metricSinks, namespace, 'borrow-admin'),
      'Ready',
      'SecretNotAllowed',
    );
    expect(refused.message).toContain('admin-user, admin-password');
    // A key name that is an Object.prototype member is just a missing key.
    await client.create(resourcePath(resources.metricSinks, namespace), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'prototype-key' },
      spec: {
        url: trapUrl,
        database: 'x',
        credentialsSecretRef: { name: 'opted-in', usernameKey: 'toString' },
      },
    });
    await conditionOf(
      resourcePath(resources.metricSinks, namespace, 'prototype-key'),
      'Ready',
      'SecretMissing',
    );
    expect(seenText()).not.toContain(tenantSecretValue);
    expect(seenText()).not.toContain('writer-password-3c1f');
  });

  it('uses an opted-in Secret (the trap does see what it is sent)', async () => {
    await fleet('own-key', { apiUrl: trapUrl, apiKeySecretRef: { name: 'opted-in', key: 'apiKey' } });
    await subscribed('own-key', 'DeviceCloudUnauthorized');
    expect(seen.some((s) => s.headers.authorization === `Bearer ${optedInKey}`)).toBe(true);
    expect(seenText()).not.toContain(operatorKey);
    expect(seenText()).not.toContain(tenantSecretValue);
  });

  it('refuses an endpoint the administrator did not allow, before any request', async () => {
    // The same server under another name: allowed are URLs under trapUrl only.
    const other = trapUrl.replace('127.0.0.1', 'localhost');
    await fleet('elsewhere', { apiUrl: other, apiKeySecretRef: { name: 'opted-in', key: 'apiKey' } });
    const c = await subscribed('elsewhere', 'DeviceCloudNotAllowed');
    expect(c.message).toContain('SHELFPULSE_DEVICE_CLOUD_ALLOWED_URLS');
    expect(seen.filter((s) => s.headers.host?.startsWith('localhost:'))).toEqual([]);
  });

  it('writes nothing and reads no Secret in a namespace it does not manage', async () => {
    const kc = loadKubeConfig(env.kube.kubeconfig);
    const elsewhere = await createNamespace(kc, 'unmanaged');
    await client.create(resourcePath(resources.secrets, elsewhere), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'opted-in', labels: { [allowReferenceLabel]: 'true' } },
      stringData: { apiKey: `${optedInKey}-elsewhere` },
    });
    // This operator watches `elsewhere` but manages only `namespace`.
    unmanagedOperator = await startOperator(
      testOperatorConfig(elsewhere, { identity: `test-${elsewhere}`, managedNamespaces: [namespace] }),
      { processMetrics: false },
    );
    await client.create(resourcePath(resources.shelfFleets, elsewhere), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: 'outside' },
      spec: {
        placements: [{ productId: 'tea', position: 'top' }],
        simulator: {},
        replicas: 1,
        deviceCloud: { apiUrl: trapUrl, apiKeySecretRef: { name: 'opted-in', key: 'apiKey' } },
      },
    });
    const fleetPath = resourcePath(resources.shelfFleets, elsewhere, 'outside');
    const simulator = await conditionOf(fleetPath, 'SimulatorAvailable', 'NamespaceNotManaged');
    expect(simulator.message).toContain('operator.managedNamespaces');
    await conditionOf(fleetPath, 'Subscribed', 'SecretForbidden');
    await client.create(resourcePath(resources.metricSinks, elsewhere), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'outside' },
      spec: { url: trapUrl, database: 'x', credentialsSecretRef: { name: 'opted-in' } },
    });
    await conditionOf(resourcePath(resources.metricSinks, elsewhere, 'outside'), 'Ready', 'SecretForbidden');
    const workloads = await client.list(resourcePath(resources.statefulSets, elsewhere));
    expect(workloads.items ?? []).toEqual([]);
    expect(seenText()).not.toContain(`${optedInKey}-elsewhere`);
  });
});
