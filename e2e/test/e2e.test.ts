// ShelfPulse as deployed, end to end, on the real API server of the test
// environment: the chart installed with the real helm; the operator, the bridge
// and the shelf simulators run as processes with exactly the configuration the
// chart and the operator put into the cluster (command, args, env, Secrets,
// ConfigMaps), each authenticating as its own ServiceAccount; the device cloud
// is the bundled emulator; InfluxDB is the environment's real influxd.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import {
  freePort,
  Helm,
  influxql,
  loadKubeConfig,
  ManagedProcess,
  mintServiceAccountKubeconfig,
  type TestEnvInfo,
} from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDashboards } from '../../grafana-dashboards/src/index.ts';
import { interpolate } from '../../grafana-dashboards/src/grafana-interpolation.ts';
import { allValue } from '../../grafana-dashboards/src/variables.ts';
import { MbedSdkDeviceCloud } from '../../operator/src/device-cloud/mbed-sdk-device-cloud.ts';
import { selectorString } from '../../operator/src/shelf-fleet/workload.ts';
import { startPodProcess } from './pod-process.ts';

const env: TestEnvInfo = inject('testenv');
const root = fileURLToPath(new URL('../..', import.meta.url));
const namespace = 'e2e-shop';
const release = 'sp';
const fullname = `${release}-shelfpulse`;
const database = 'e2e_shop';
const fleet = 'aisle-7';
const group = 'shelfpulse.io';

const kubectl = (...args: string[]): string =>
  execFileSync('kubectl', ['--kubeconfig', env.kube.kubeconfig, '--namespace', namespace, ...args], {
    encoding: 'utf8',
  });

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached in ${timeoutMs} ms (${String(last ?? '')})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const query = (q: string) => influxql(env.influx.url, q, { db: database, epoch: 'ms' });

async function reportingDevices(): Promise<number> {
  const series = await query(
    `SHOW TAG VALUES FROM "product_count" WITH KEY = "device_id" WHERE "fleet" = '${fleet}'`,
  );
  return series[0]?.values.length ?? 0;
}

describe('ShelfPulse deployed with its chart', () => {
  const workDir = join(env.workDir, 'e2e');
  const processes: ManagedProcess[] = [];
  const simulators = new Map<string, ManagedProcess>();
  let kc: KubeConfig;
  let apiKey: string;
  let cloudUrl: string;

  const startSimulatorsForPods = async (): Promise<number> => {
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({
      namespace,
      labelSelector: selectorString(fleet),
    });
    for (const pod of pods.items as V1Pod[]) {
      const name = pod.metadata!.name!;
      if (
        simulators.has(name) ||
        !pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
      )
        continue;
      const sim = await startPodProcess(kc, {
        name,
        namespace,
        metadata: pod.metadata!,
        spec: pod.spec!,
        workDir,
        cwd: root,
      });
      simulators.set(name, sim);
      processes.push(sim);
    }
    return simulators.size;
  };

  beforeAll(async () => {
    mkdirSync(workDir, { recursive: true });
    kc = loadKubeConfig(env.kube.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });

    // The device cloud: the bundled emulator, as a hosted one would be reached.
    apiKey = `e2e-${randomBytes(16).toString('hex')}`;
    const [httpPort, coapPort, bridgePort, operatorPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    cloudUrl = `http://127.0.0.1:${httpPort}`;
    const cloud = new ManagedProcess({
      name: 'device-cloud',
      command: process.execPath,
      args: [
        'simulator/bin/device-cloud.ts',
        '--http-port',
        String(httpPort),
        '--coap-port',
        String(coapPort),
      ],
      env: { DEVICE_CLOUD_API_KEYS: apiKey },
      cwd: root,
      logFile: join(workDir, 'device-cloud.log'),
    });
    cloud.start();
    processes.push(cloud);
    await cloud.waitUntil(async () => (await fetch(`${cloudUrl}/healthz`)).ok, 30_000);

    // Credentials come only from Secrets, as in production.
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'device-cloud' }, stringData: { 'api-key': apiKey } },
    });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'influxdb' },
        stringData: {
          'writer-user': 'shelfpulse-writer',
          'writer-password': randomBytes(12).toString('hex'),
          'reader-user': 'shelfpulse-reader',
          'reader-password': randomBytes(12).toString('hex'),
        },
      },
    });
    await fetch(`${env.influx.url}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: `CREATE DATABASE ${database}` }),
    });

    const helm = new Helm(workDir, env.kube.kubeconfig);
    await helm.run(
      'install',
      release,
      join(root, 'charts/shelfpulse'),
      '--namespace',
      namespace,
      '--set',
      'influxdb.enabled=false',
      '--set',
      `externalInfluxdb.url=${env.influx.url}`,
      '--set',
      `externalInfluxdb.database=${database}`,
      '--set',
      'externalInfluxdb.existingSecret=influxdb',
      '--set',
      `deviceCloud.external.apiUrl=${cloudUrl}`,
      '--set',
      'deviceCloud.external.existingSecret=device-cloud',
      '--set',
      `bridge.webhookUrl=http://127.0.0.1:${bridgePort}/notify`,
      '--set',
      'bridge.replicas=1',
      '--set',
      'operator.extraEnv[0].name=SHELFPULSE_LWM2M_HOST',
      '--set',
      'operator.extraEnv[0].value=127.0.0.1',
      '--set',
      'operator.extraEnv[1].name=SHELFPULSE_LWM2M_PORT',
      '--set-string',
      `operator.extraEnv[1].value=${coapPort}`,
      '--wait',
      '--timeout',
      '180s',
    );

    // The operator and the bridge, from their Deployments, as their ServiceAccounts.
    const apps = kc.makeApiClient(AppsV1Api);
    const access = { server: env.kube.server, caFile: env.kube.caFile };
    for (const component of ['operator', 'bridge'] as const) {
      const deployment = await apps.readNamespacedDeployment({ name: `${fullname}-${component}`, namespace });
      const template = deployment.spec!.template;
      const serviceAccount = template.spec!.serviceAccountName!;
      const kubeconfig = await mintServiceAccountKubeconfig(
        kc,
        access,
        namespace,
        serviceAccount,
        join(workDir, `${component}.kubeconfig`),
      );
      const overrides: Record<string, string> =
        component === 'operator'
          ? {
              KUBECONFIG: kubeconfig,
              SHELFPULSE_LISTEN_HOST: '127.0.0.1',
              SHELFPULSE_LISTEN_PORT: String(operatorPort),
            }
          : { KUBECONFIG: kubeconfig };
      const child = await startPodProcess(kc, {
        name: component,
        namespace,
        metadata: { ...template.metadata, name: `${component}-e2e` },
        spec: template.spec!,
        workDir,
        cwd: root,
        envOverrides: overrides,
        extraArgs: component === 'bridge' ? ['--host', '127.0.0.1', '--port', String(bridgePort)] : [],
      });
      processes.push(child);
      const port = component === 'operator' ? operatorPort : bridgePort;
      await child.waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000);
    }
  }, 300_000);

  afterAll(async () => {
    for (const child of processes.reverse()) await child.stop(10_000);
  });

  it('reconciles the example ShelfFleet into a simulator workload whose shelves report into InfluxDB', async () => {
    kubectl('apply', '-f', join(root, 'examples/shelffleet.yaml'));
    const objects = kc.makeApiClient(CustomObjectsApi);
    const replicas = await eventually('simulator pods Ready', async () => {
      const n = await startSimulatorsForPods();
      return n >= 2 ? n : undefined;
    });
    expect(replicas).toBe(2);

    // 2 replicas × 4 shelves: every shelf's counts reach InfluxDB through the emulator and the bridge.
    expect(
      await eventually('8 shelves reporting', async () => ((await reportingDevices()) >= 8 ? 8 : undefined)),
    ).toBe(8);
    const events = await eventually('derived interactions', async () => {
      const series = await query(
        `SELECT sum("items") FROM "shelf_event" WHERE "fleet" = '${fleet}' GROUP BY "kind"`,
      );
      return series.some((s) => s.tags?.['kind'] === 'pickup') ? series : undefined;
    });
    expect(events.map((s) => s.tags?.['kind'])).toContain('pickup');

    const status = await eventually('fleet status', async () => {
      const sf = (await objects.getNamespacedCustomObject({
        group,
        version: 'v1alpha1',
        namespace,
        plural: 'shelffleets',
        name: fleet,
      })) as {
        status?: {
          readyReplicas?: number;
          subscribedDevices?: number;
          conditions?: { type: string; status: string }[];
        };
      };
      return sf.status?.readyReplicas === 2 && (sf.status.subscribedDevices ?? 0) >= 8
        ? sf.status
        : undefined;
    });
    expect(status.conditions?.find((c) => c.type === 'Subscribed')?.status).toBe('True');
    const ready = await eventually('fleet Ready', async () => {
      const sf = JSON.parse(kubectl('get', `shelffleet/${fleet}`, '-o', 'json')) as {
        status?: { conditions?: { type: string; status: string; reason?: string }[] };
      };
      const conditions = sf.status?.conditions ?? [];
      return conditions.find((c) => c.type === 'Ready')?.status === 'True' ? conditions : undefined;
    });
    expect(ready.find((c) => c.type === 'SinkReady')?.status).toBe('True');
  });

  it('runs the original tutorial query and every dashboard panel query against the data', async () => {
    const tutorial = await query(
      `SELECT non_negative_difference(count("count")) FROM "product_count" WHERE time > now() - 1h GROUP BY time(1s), "product_id" fill(previous)`,
    );
    expect(tutorial.length).toBeGreaterThan(0);

    const now = Date.now();
    const all = { values: [], multi: true, all: true, allValue };
    const context = {
      fromMs: now - 3_600_000,
      toMs: now + 60_000,
      variables: { store: all, aisle: all, fleet: all, product: all },
    };
    const empty: string[] = [];
    let queries = 0;
    for (const [name, dashboard] of Object.entries(buildDashboards())) {
      for (const panel of dashboard.panels ?? []) {
        if (!('targets' in panel)) continue;
        for (const target of (panel.targets ?? []) as { query?: string }[]) {
          if (!target.query) continue;
          queries++;
          const series = await query(
            interpolate(target.query, { ...context, minInterval: (panel as { interval?: string }).interval }),
          );
          // A panel with a "no value" text (empty shelves) may rightly have nothing to show.
          const noValue = (panel as { fieldConfig?: { defaults?: { noValue?: string } } }).fieldConfig
            ?.defaults?.noValue;
          if (series.length === 0 && noValue === undefined)
            empty.push(`${name} / ${(panel as { title?: string }).title}`);
        }
      }
    }
    expect(queries).toBeGreaterThan(10);
    expect(empty).toEqual([]);
  });

  it('adds shelves that start reporting when the fleet is scaled with kubectl', async () => {
    kubectl('scale', `shelffleet/${fleet}`, '--replicas=3');
    await eventually('third simulator pod', async () =>
      (await startSimulatorsForPods()) >= 3 ? true : undefined,
    );
    expect(
      await eventually('12 shelves reporting', async () =>
        (await reportingDevices()) >= 12 ? 12 : undefined,
      ),
    ).toBe(12);
    const scaled = JSON.parse(kubectl('get', `shelffleet/${fleet}`, '-o', 'json')) as {
      status: { replicas: number };
    };
    expect(scaled.status.replicas).toBe(3);
  });

  it('removes the fleet’s device-cloud subscriptions when the fleet is deleted', async () => {
    const cloud = new MbedSdkDeviceCloud({ apiUrl: cloudUrl, apiKey });
    const before = await cloud.listPresubscriptions();
    expect(before.some((p) => p.endpointName?.endsWith('*'))).toBe(true);
    for (const sim of simulators.values()) await sim.stop();
    kubectl('delete', `shelffleet/${fleet}`, '--wait=true', '--timeout=120s');
    const after = await cloud.listPresubscriptions();
    expect(after.filter((p) => before.some((b) => b.endpointName === p.endpointName))).toEqual([]);
  });

  it('uninstalls cleanly with helm', async () => {
    // The operator and bridge would be deleted with their Deployments; stop the processes first.
    for (const child of processes.slice(1)) await child.stop(10_000);
    const helm = new Helm(workDir, env.kube.kubeconfig);
    await helm.run('uninstall', release, '--namespace', namespace, '--wait', '--timeout', '120s');
    const left = kubectl(
      'get',
      'deployments,statefulsets,services,configmaps,metricsinks,shelffleets',
      '-l',
      `app.kubernetes.io/instance=${release}`,
      '-o',
      'name',
    );
    expect(left.trim()).toBe('');
  });
});
