// The bridge as a ServiceAccount bound to exactly the chart's RBAC (rendered
// by the real helm): it holds its Lease, routes from ShelfFleets and
// MetricSinks, reads the opted-in credentials Secret by name (it may not list
// Secrets), writes to InfluxDB and reports into the MetricSink status.
import { randomBytes } from 'node:crypto';
import {
  createNamespace,
  applyChartTemplates,
  kubectl,
  loadKubeConfig,
  serviceAccountKubeconfig,
} from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { installCrds } from '@shelfpulse/operator/crd/install';
import { KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { fromKubeconfig } from '@shelfpulse/core/kube/connection';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { allowReferenceLabel } from '@shelfpulse/core/kube/secret-reference';
import { countNote, createDatabase, eventually, influxql, productNote, silent } from './helpers.ts';

const env = inject('testenv');
const webhookSecret = 'bridge-rbac-secret-0123456789';
const db = `br_${randomBytes(3).toString('hex')}`;

describe('the bridge under the chart RBAC', () => {
  let client: KubeClient;
  let namespace: string;
  let release: string;
  let app: BridgeApp;

  beforeAll(async () => {
    client = new KubeClient(fromKubeconfig(env.kube.kubeconfig));
    await installCrds(client);
    const kc = loadKubeConfig(env.kube.kubeconfig);
    namespace = await createNamespace(kc, 'bridge-rbac');
    release = `brbac-${randomBytes(3).toString('hex')}`;
    await applyChartTemplates(env, {
      release,
      namespace,
      templates: ['bridge/serviceaccount.yaml', 'bridge/rbac.yaml'],
    });
    const serviceAccount = `${release}-shelfpulse-bridge`;
    const kubeconfig = await serviceAccountKubeconfig(env, namespace, serviceAccount);

    await createDatabase(env.influx.url, db);
    // The test influxd does not check credentials; what matters is that the bridge may read them.
    await client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'influx-writer', labels: { [allowReferenceLabel]: 'true' } },
      stringData: { username: 'writer', password: 'from-the-secret' },
    });
    await client.create(resourcePath(resources.metricSinks, namespace), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'main' },
      spec: {
        url: env.influx.url,
        database: db,
        credentialsSecretRef: { name: 'influx-writer' },
        batching: { maxPoints: 1000, flushIntervalMs: 50 },
      },
    });
    await client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: 'aisle-1' },
      spec: {
        devices: { endpointNamePrefix: 'rb-' },
        placements: [{ productId: 'tea', position: 'top' }],
        sinks: ['main'],
      },
    });
    app = await startBridgeApp(
      BridgeConfigSchema.parse({
        listen: { port: 0 },
        webhook: { secret: webhookSecret },
        kube: { namespace, kubeconfig, statusIntervalMs: 300 },
        leaderElection: {
          namespace,
          lease: serviceAccount,
          identity: 'bridge-rbac-0',
          leaseDurationMs: 3000,
          renewDeadlineMs: 2000,
          retryPeriodMs: 300,
          handoverMs: 0,
        },
        logLevel: 'silent',
      }),
      { log: silent },
    );
  });
  afterAll(async () => {
    await app?.close(1000);
    if (release)
      await kubectl(
        env.kube.kubeconfig,
        'delete',
        'clusterrole,clusterrolebinding',
        '--ignore-not-found',
        `${release}-shelfpulse-bridge`,
        `${release}-shelfpulse-bridge-managed`,
      ).catch(() => '');
  });

  it('holds its Lease, reads the credentials Secret, writes and reports into the MetricSink status', async () => {
    await eventually(
      async () => (await (await fetch(`${app.url}/readyz`)).text()).trim() === 'ready',
      15_000,
    );
    expect(app.bridge.sinks.get(`${namespace}.main`)?.config).toMatchObject({
      username: 'writer',
      password: 'from-the-secret',
    });
    const put = await fetch(`${app.url}/notify`, {
      method: 'PUT',
      headers: { 'x-shelfpulse-secret': webhookSecret },
      body: JSON.stringify({ notifications: [productNote('rb-1', 'tea'), countNote('rb-1', 9)] }),
    });
    expect(put.status).toBe(204);
    await eventually(
      async () =>
        (await influxql(env.influx.url, `SELECT "count" FROM product_count WHERE device_id = 'rb-1'`, db))
          .length === 1,
      10_000,
    );
    const sinkPath = resourcePath(resources.metricSinks, namespace, 'main');
    await eventually(
      async () => ((await client.get<MetricSink & KubeObject>(sinkPath)).status?.pointsWritten ?? 0) > 0,
      10_000,
    );
  });
});
