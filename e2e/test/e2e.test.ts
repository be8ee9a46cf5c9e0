// ShelfPulse as its users run it: the chart installed with the real helm on
// the test environment's real node (kubelet, containerd, kube-proxy, cluster
// DNS), every pod running the images images/build.sh made. The operator and
// the bridge authenticate with their ServiceAccount tokens in the cluster, the
// shelf simulators register with the emulator through its Service name, and
// the data reaches the InfluxDB pod. The test talks to pods by their
// addresses, which the environment routes to its node.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { eventually, Helm, influxql, loadKubeConfig, type TestEnvInfo } from '../../testenv/src/index.ts';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDashboards } from '../../grafana-dashboards/src/index.ts';
import { bandsHold, interpolate } from '../../grafana-dashboards/src/grafana-interpolation.ts';
import { allValue } from '../../grafana-dashboards/src/variables.ts';
import { MbedSdkDeviceCloud } from '../../core/src/device-cloud/mbed-sdk-device-cloud.ts';
import { selectorString, statusPort } from '../../operator/src/shelf-fleet/workload.ts';
import { containerProcesses } from './container-cgroup.ts';
import { containerMemory, type ContainerMemory } from './container-memory.ts';
import { observedItems, type ItemsByKind } from './simulator-metrics.ts';

const env: TestEnvInfo = inject('testenv');
/** Waits for an effect on the node: real containers start in seconds to minutes on 2 busy cores. */
/** Waits up to 3 min, and says how long it took: the log shows where a slow run spent its time. */
const untilTrue = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  const started = Date.now();
  const result = await eventually(what, probe, 180_000);
  console.log(`[e2e] ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
};
const root = fileURLToPath(new URL('../..', import.meta.url));
const namespace = 'e2e-shop';
const release = 'sp';
const fullname = `${release}-shelfpulse`;
const database = 'shelfpulse';
const fleet = 'aisle-7';
const group = 'shelfpulse.io';
const kinds = ['pickup', 'putback', 'restock'] as const;

const kubectl = (...args: string[]): string =>
  execFileSync('kubectl', ['--kubeconfig', env.kube.kubeconfig, '--namespace', namespace, ...args], {
    encoding: 'utf8',
  });

const isReady = (pod: V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe.runIf(env.kube.node === 'kubelet')('ShelfPulse installed with its chart on a real node', () => {
  const workDir = join(env.workDir, 'e2e');
  let kc: KubeConfig;
  let core: CoreV1Api;
  let influxUrl: string;
  let reader: Record<string, string>;
  const memory: Record<string, ContainerMemory[]> = {};

  const secret = async (name: string): Promise<Record<string, string>> => {
    const data = (await core.readNamespacedSecret({ name, namespace })).data ?? {};
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  };
  const query = (q: string) =>
    influxql(influxUrl, q, {
      db: database,
      epoch: 'ms',
      headers: {
        authorization: `Basic ${Buffer.from(`${reader['reader-user']}:${reader['reader-password']}`).toString('base64')}`,
      },
    });
  const pods = async (labelSelector: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector })).items;
  const simulatorPods = async (): Promise<V1Pod[]> => (await pods(selectorString(fleet))).filter(isReady);
  const reportingDevices = async (): Promise<number> => {
    const series = await query(
      `SHOW TAG VALUES FROM "product_count" WITH KEY = "device_id" WHERE "fleet" = '${fleet}'`,
    );
    return series[0]?.values.length ?? 0;
  };
  const storedItems = async (): Promise<ItemsByKind> => {
    const series = await query(
      `SELECT sum("items") FROM "shelf_event" WHERE "fleet" = '${fleet}' GROUP BY "kind"`,
    );
    const items: ItemsByKind = { pickup: 0, putback: 0, restock: 0 };
    for (const s of series) {
      const kind = s.tags?.['kind'] as keyof ItemsByKind | undefined;
      if (kind && kind in items) items[kind] = Number(s.values[0]?.[1] ?? 0);
    }
    return items;
  };
  /** What every running simulator pod's shelves did after the cloud first observed them. */
  const simulatorTruth = async (): Promise<ItemsByKind> => {
    const total: ItemsByKind = { pickup: 0, putback: 0, restock: 0 };
    for (const pod of await simulatorPods()) {
      const items = await observedItems(`http://${pod.status!.podIP}:${statusPort}/metrics`);
      for (const kind of kinds) total[kind] += items[kind];
    }
    return total;
  };
  /**
   * InfluxDB holds exactly the simulators' interactions: at least everything
   * they had done before (nothing lost) and at most everything they had done
   * after (nothing invented or written twice). The simulators keep running, so
   * the ground truth is bracketed by two readings instead of frozen.
   */
  const expectStoredEqualsTruth = async (what: string): Promise<void> => {
    const before = await simulatorTruth();
    const stored = await untilTrue(`${what}: InfluxDB catches up with the simulators`, async () => {
      const items = await storedItems();
      return kinds.every((kind) => items[kind] >= before[kind]) ? items : undefined;
    });
    const after = await simulatorTruth();
    for (const kind of kinds) {
      expect(stored[kind], `${what}: ${kind} items stored ≥ simulators' before`).toBeGreaterThanOrEqual(
        before[kind],
      );
      expect(stored[kind], `${what}: ${kind} items stored ≤ simulators' after`).toBeLessThanOrEqual(
        after[kind],
      );
    }
  };
  const recordMemory = async (phase: string): Promise<void> => {
    for (const component of ['operator', 'bridge']) {
      for (const pod of await pods(`app.kubernetes.io/component=${component}`)) {
        const sample = containerMemory(pod);
        if (!sample) continue;
        (memory[phase] ??= []).push(sample);
      }
    }
  };

  beforeAll(async () => {
    kc = loadKubeConfig(env.kube.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // The test cluster has no storage provisioner: a volume on the node per bridge spool claim.
    for (let i = 0; i < 3; i++) {
      const path = join(workDir, 'volumes', `pv-${i}`);
      mkdirSync(path, { recursive: true, mode: 0o777 });
      chmodSync(path, 0o777);
      await core.createPersistentVolume({
        body: {
          metadata: { name: `e2e-pv-${i}` },
          spec: {
            capacity: { storage: '10Gi' },
            accessModes: ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Retain',
            hostPath: { path, type: 'Directory' },
          },
        },
      });
    }
    const helm = new Helm(workDir, env.kube.kubeconfig);
    await helm.run(
      'install',
      release,
      join(root, 'charts/shelfpulse'),
      '--namespace',
      namespace,
      '--values',
      join(root, 'e2e/values-test-node.yaml'),
      '--wait',
      '--timeout',
      '300s',
    );
    reader = await secret(`${fullname}-influxdb`);
    const influx = (await pods('app.kubernetes.io/component=influxdb'))[0]!;
    influxUrl = `http://${influx.status!.podIP}:8086`;
  }, 400_000);

  // A failed step says what the data path logged: its pods' last lines, as `kubectl logs` shows them.
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    // And the counters that say where notifications stopped: subscriptions, deliveries, intake.
    const scrape = `fetch('http://127.0.0.1:8080/metrics').then((r) => r.text()).then((t) =>
      console.log(t.split('\\n').filter((l) => /^(devicecloud|shelfpulse_bridge)_/.test(l) && !/_bucket\\{/.test(l)).join('\\n')))`;
    let bridges: string[] = [];
    try {
      bridges = kubectl('get', 'pods', '-l', 'app.kubernetes.io/component=bridge', '-o', 'name')
        .split('\n')
        .filter(Boolean);
    } catch {
      // Uninstalled already: the device cloud's line says so.
    }
    for (const target of [`deploy/${fullname}-device-cloud`, ...bridges]) {
      try {
        console.log(`[e2e] ${target} metrics:\n` + kubectl('exec', target, '--', 'node', '-e', scrape));
      } catch (error) {
        console.log(`[e2e] ${target} metrics unavailable: ${String(error)}`);
      }
    }
    for (const component of ['bridge', 'device-cloud', 'operator']) {
      try {
        console.log(
          `[e2e] ${component} logs:\n` +
            kubectl('logs', '-l', `app.kubernetes.io/component=${component}`, '--prefix', '--tail=40'),
        );
      } catch (error) {
        console.log(`[e2e] ${component} logs unavailable: ${String(error)}`);
      }
    }
  });

  afterAll(() => {
    console.log(`[e2e] container memory (cgroup):\n${JSON.stringify(memory, null, 2)}`);
  });

  it('runs every pod of the release from the images built here, Ready through its own probes', async () => {
    const node = (await core.listNode()).items[0]!;
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    const released = await pods(`app.kubernetes.io/instance=${release}`);
    expect(released.map((p) => p.metadata?.labels?.['app.kubernetes.io/component']).sort()).toEqual([
      'bridge',
      'bridge',
      'device-cloud',
      'influxdb',
      'operator',
    ]);
    const built = Object.values(env.kube.images ?? {});
    for (const pod of released) {
      expect(isReady(pod), `${pod.metadata?.name} Ready`).toBe(true);
      for (const container of pod.spec!.containers) {
        expect(built).toContain(container.image);
        expect(container.readinessProbe, `${pod.metadata?.name} has a readiness probe`).toBeDefined();
        // In-cluster: the ServiceAccount token, never a kubeconfig.
        expect(container.env?.map((e) => e.name) ?? []).not.toContain('KUBECONFIG');
      }
    }
  });

  it('enforces the non-root user and the read-only root filesystem inside the containers', () => {
    const operator = `deploy/${fullname}-operator`;
    const probe = `const fs = require('node:fs'); let write = 'allowed';
      try { fs.writeFileSync('/app/x', 'x'); } catch (e) { write = e.code; }
      console.log(JSON.stringify({ uid: process.getuid(), write, token: fs.existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token') }));`;
    const answer = JSON.parse(kubectl('exec', operator, '--', 'node', '-e', probe)) as Record<
      string,
      unknown
    >;
    expect(answer).toEqual({ uid: 10001, write: 'EROFS', token: true });
    // No shell in the image: only node is there to run.
    expect(() => kubectl('exec', operator, '--', 'sh', '-c', 'true')).toThrow();
  });

  it('reconciles the example ShelfFleet into simulator pods whose shelves report into InfluxDB', async () => {
    await recordMemory('idle');
    kubectl('apply', '-f', join(root, 'examples/shelffleet.yaml'));
    expect(
      await untilTrue('2 simulator pods Ready (every shelf registered)', async () =>
        (await simulatorPods()).length === 2 ? 2 : undefined,
      ),
    ).toBe(2);
    // 2 replicas × 4 shelves, through the emulator's Service name, the bridge and InfluxDB's.
    expect(
      await untilTrue('8 shelves reporting', async () => ((await reportingDevices()) >= 8 ? 8 : undefined)),
    ).toBe(8);
    const objects = kc.makeApiClient(CustomObjectsApi);
    const status = await untilTrue('fleet Ready', async () => {
      const sf = (await objects.getNamespacedCustomObject({
        group,
        version: 'v1alpha1',
        namespace,
        plural: 'shelffleets',
        name: fleet,
      })) as { status?: { readyReplicas?: number; conditions?: { type: string; status: string }[] } };
      const conditions = sf.status?.conditions ?? [];
      return sf.status?.readyReplicas === 2 && conditions.find((c) => c.type === 'Ready')?.status === 'True'
        ? conditions
        : undefined;
    });
    expect(status.find((c) => c.type === 'Subscribed')?.status).toBe('True');
    expect(status.find((c) => c.type === 'SinkReady')?.status).toBe('True');
    await untilTrue('first interactions', async () => {
      const items = await storedItems();
      return items.pickup > 0 ? items : undefined;
    });
    await expectStoredEqualsTruth('running fleet');
    await recordMemory('load');
  });

  it('passes the chart’s own tests (helm test) that a user runs after install', async () => {
    const helm = new Helm(workDir, env.kube.kubeconfig);
    const { stdout } = await helm.run('test', release, '--namespace', namespace, '--timeout', '180s');
    expect(stdout).toMatch(/Phase:\s+Succeeded/);
    expect(stdout).not.toMatch(/Phase:\s+Failed/);
  });

  it('answers the original tutorial query and every dashboard panel query', async () => {
    const tutorial = await query(
      `SELECT non_negative_difference(count("count")) FROM "product_count" WHERE time > now() - 1h GROUP BY time(1s), "product_id" fill(previous)`,
    );
    expect(tutorial.length).toBeGreaterThan(0);
    // The health panels show rates and differences: they need two of the
    // bridge's periodic reports (every 10 s) of the fleet and of the sink.
    await untilTrue('two bridge health reports', async () => {
      const counts = await Promise.all(
        ['shelfpulse_bridge_fleet', 'shelfpulse_bridge_sink'].map(async (m) =>
          Number(
            (await query(`SELECT count(*) FROM "${m}" WHERE time > now() - 1h`))[0]?.values[0]?.[1] ?? 0,
          ),
        ),
      );
      return counts.every((n) => n >= 2) ? counts : undefined;
    });
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
          const q = interpolate(target.query, {
            ...context,
            minInterval: (panel as { interval?: string }).interval,
          });
          // One target per data tier (raw points, rollups): only the one whose interval band holds answers.
          if (!bandsHold(q)) continue;
          queries++;
          const series = await query(q);
          const noValue = (panel as { fieldConfig?: { defaults?: { noValue?: string } } }).fieldConfig
            ?.defaults?.noValue;
          if (series.length === 0 && noValue === undefined)
            empty.push(`${name} / ${(panel as { title?: string }).title}`);
        }
      }
    }
    expect(queries).toBeGreaterThan(10);
    const measurements = (await query('SHOW MEASUREMENTS'))[0]?.values.flat().join(', ');
    expect(empty, `panels without data (measurements: ${measurements})`).toEqual([]);
  });

  it('adds shelves that report when the fleet is scaled with kubectl', async () => {
    kubectl('scale', `shelffleet/${fleet}`, '--replicas=3');
    await untilTrue('third simulator pod Ready', async () =>
      (await simulatorPods()).length === 3 ? true : undefined,
    );
    expect(
      await untilTrue('12 shelves reporting', async () =>
        (await reportingDevices()) >= 12 ? 12 : undefined,
      ),
    ).toBe(12);
  });

  it('loses nothing when the bridge pod holding the channel dies without flushing', async () => {
    const holder = await untilTrue('the bridge pod holding the Lease', async () =>
      (await pods('app.kubernetes.io/component=bridge')).find(
        (p) => p.metadata?.labels?.['shelfpulse.io/bridge-active'] === 'true',
      ),
    );
    const uid = holder.metadata!.uid;
    // Frozen on the node, it cannot flush on SIGTERM: after the grace period it is
    // killed, and what it acknowledged but had not written is only in its spool.
    for (const pid of containerProcesses(holder)) process.kill(pid, 'SIGSTOP');
    kubectl('delete', 'pod', holder.metadata!.name!, '--grace-period=1', '--wait=false');
    await untilTrue('the StatefulSet brings the pod back on its spool volume', async () => {
      const now = await pods('app.kubernetes.io/component=bridge');
      const back = now.find((p) => p.metadata?.name === holder.metadata!.name && p.metadata?.uid !== uid);
      return back && now.filter(isReady).length === 2 ? back : undefined;
    });
    await expectStoredEqualsTruth('after the bridge pod died');
  });

  it('removes the fleet’s device-cloud subscriptions when the fleet is deleted', async () => {
    const apiKey = (await secret(`${fullname}-device-cloud`))['api-key']!;
    const emulator = (await pods('app.kubernetes.io/component=device-cloud'))[0]!;
    const cloud = new MbedSdkDeviceCloud({ apiUrl: `http://${emulator.status!.podIP}:8080`, apiKey });
    const before = await cloud.listPresubscriptions();
    expect(before.some((p) => p.endpointName?.endsWith('*'))).toBe(true);
    kubectl('delete', `shelffleet/${fleet}`, '--wait=true', '--timeout=120s');
    const after = await cloud.listPresubscriptions();
    expect(after.filter((p) => before.some((b) => b.endpointName === p.endpointName))).toEqual([]);
    await untilTrue('simulator pods gone', async () =>
      (await pods(selectorString(fleet))).length === 0 ? true : undefined,
    );
  });

  it('uninstalls with helm and leaves nothing of the release behind', async () => {
    const helm = new Helm(workDir, env.kube.kubeconfig);
    await helm.run('uninstall', release, '--namespace', namespace, '--wait', '--timeout', '120s');
    await untilTrue('release pods gone', async () =>
      (await pods(`app.kubernetes.io/instance=${release}`)).length === 0 ? true : undefined,
    );
    const left = kubectl(
      'get',
      // Generated Secrets are kept on purpose (helm.sh/resource-policy: keep), so that a
      // reinstall can read the data InfluxDB kept; the README says how to remove them.
      'deployments,statefulsets,services,configmaps,metricsinks,shelffleets,leases',
      '-l',
      `app.kubernetes.io/instance=${release}`,
      '-o',
      'name',
    );
    expect(left.trim()).toBe('');
    const apps = kc.makeApiClient(AppsV1Api);
    expect((await apps.listNamespacedStatefulSet({ namespace })).items).toEqual([]);
  });

  it('kept the operator and the bridge within their memory limits', () => {
    for (const samples of Object.values(memory)) {
      for (const sample of samples) {
        expect(sample.workingSetBytes, `${sample.pod} working set`).toBeLessThan(sample.limitBytes);
      }
    }
    expect(Object.keys(memory).sort()).toEqual(['idle', 'load']);
  });
});
