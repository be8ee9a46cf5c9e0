// helm install / upgrade / uninstall into the real API server. Without a
// kubelet no container runs, but the controllers do: Deployments create Pods
// (admitted by the namespace's enforced restricted Pod Security Standard) and
// the StatefulSet creates its PVC, as on a cluster.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Helm } from '../../../testenv/src/index.ts';
import { chartDir, Kubectl, parseDocs, unique, type K8sObject } from './chart.ts';

const env = inject('testenv');
const namespace = unique('chart-install');
const release = 'life';
const helm = new Helm(env.workDir, env.kube.kubeconfig);
const kubectl = new Kubectl(env.kube.kubeconfig);

/** What `helm uninstall` keeps, as documented in the chart's README. */
const documentedLeftovers = [
  `PersistentVolumeClaim/data-${release}-shelfpulse-influxdb-0`,
  `Secret/${release}-shelfpulse-influxdb`,
  `PersistentVolumeClaim/${release}-shelfpulse-grafana`,
  `Secret/${release}-shelfpulse-grafana-secret-key`,
];
/** Created by Kubernetes itself in every namespace. */
const clusterOwned = (o: K8sObject) =>
  (o.kind === 'ServiceAccount' && o.metadata.name === 'default') ||
  (o.kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt') ||
  o.kind === 'Event';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function everythingIn(ns: string): Promise<K8sObject[]> {
  const types = (await kubectl.run(['api-resources', '--verbs=list', '--namespaced', '-o', 'name'])).stdout
    .trim()
    .split('\n')
    .filter((t) => !/^events(\.|$)/.test(t));
  const list = await kubectl.json<{ items: K8sObject[] }>([
    'get',
    types.join(','),
    '--namespace',
    ns,
    '--ignore-not-found',
  ]);
  return list.items.filter((o) => !clusterOwned(o));
}

async function secretData(name: string): Promise<Record<string, string>> {
  return (
    await kubectl.json<{ data: Record<string, string> }>(['get', 'secret', name, '--namespace', namespace])
  ).data;
}

async function manifest(): Promise<K8sObject[]> {
  return parseDocs((await helm.run('get', 'manifest', release, '--namespace', namespace)).stdout);
}

describe('chart lifecycle in the real API server', () => {
  beforeAll(async () => {
    await kubectl.installCrds();
    await kubectl.restrictedNamespace(namespace);
  });

  afterAll(async () => {
    await helm
      .run('uninstall', release, '--namespace', namespace, '--ignore-not-found')
      .catch(() => undefined);
    await kubectl.run(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
  });

  let influxCredentials: Record<string, string>;
  let grafanaAdmin: Record<string, string>;

  it('installs: every object is accepted, and the controllers create Pods and the InfluxDB PVC', async () => {
    const install = await helm.run('install', release, chartDir, '--namespace', namespace);
    expect(install.stdout).toMatch(/STATUS: deployed/);
    expect(install.stdout).toMatch(/kubectl -n \S+ get secret life-shelfpulse-grafana/);

    const objects = await manifest();
    const found = await kubectl.json<{ items: K8sObject[] }>([
      'get',
      ...objects.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`),
      '--namespace',
      namespace,
    ]);
    expect(found.items.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
    );

    const deployments = objects.filter((o) => o.kind === 'Deployment');
    await until('a Pod for every Deployment replica', async () => {
      const pods = await kubectl.json<{ items: K8sObject[] }>(['get', 'pods', '--namespace', namespace]);
      return deployments.every(
        (d) =>
          pods.items.filter(
            (p) =>
              p.metadata.labels?.['app.kubernetes.io/component'] ===
              d.metadata.labels?.['app.kubernetes.io/component'],
          ).length >= d.spec.replicas,
      )
        ? true
        : undefined;
    });
    const pvc = await until('the InfluxDB PVC', async () => {
      const list = await kubectl.json<{ items: K8sObject[] }>(['get', 'pvc', '--namespace', namespace]);
      return list.items.find((p) => p.metadata.name.endsWith('-influxdb-0'));
    });
    expect(pvc.metadata.name).toBe(`data-${release}-shelfpulse-influxdb-0`);

    influxCredentials = await secretData(`${release}-shelfpulse-influxdb`);
    grafanaAdmin = await secretData(`${release}-shelfpulse-grafana`);
    expect(Object.keys(influxCredentials).sort()).toEqual([
      'admin-password',
      'admin-user',
      'reader-password',
      'reader-user',
      'writer-password',
      'writer-user',
    ]);
    expect(Buffer.from(grafanaAdmin['admin-password']!, 'base64').toString()).not.toBe('admin');
  });

  it('upgrades with changed values: generated credentials stay, changed config rolls pods, the example fleet appears', async () => {
    const bridgeBefore = await kubectl.json([
      'get',
      'deployment',
      `${release}-shelfpulse-bridge`,
      '--namespace',
      namespace,
    ]);
    const upgrade = await helm.run(
      'upgrade',
      release,
      chartDir,
      '--namespace',
      namespace,
      '--reuse-values',
      '--set',
      'bridge.replicas=3',
      '--set',
      'bridge.webhookUrl=https://hooks.example.com/n',
      '--set',
      'exampleFleet.enabled=true',
    );
    expect(upgrade.stdout).toMatch(/REVISION: 2/);

    expect(await secretData(`${release}-shelfpulse-influxdb`)).toEqual(influxCredentials);
    expect(await secretData(`${release}-shelfpulse-grafana`)).toEqual(grafanaAdmin);
    const bridge = await kubectl.json([
      'get',
      'deployment',
      `${release}-shelfpulse-bridge`,
      '--namespace',
      namespace,
    ]);
    expect(bridge.spec.replicas).toBe(3);
    expect(bridge.spec.template.metadata.annotations['checksum/config']).not.toBe(
      bridgeBefore.spec.template.metadata.annotations['checksum/config'],
    );
    const fleet = await kubectl.json(['get', 'shelffleet', 'aisle-7', '--namespace', namespace]);
    expect(fleet.spec).toMatchObject({ replicas: 2, sinks: ['default'], store: 's-01' });
  });

  it('uninstalls, leaving only the documented PVC and InfluxDB credentials, which a reinstall reuses', async () => {
    // No operator runs here, so the pre-delete gate that waits for it to delete the example
    // fleet would wait in vain: --no-hooks, as the chart README says for that case
    // (chart-uninstall.test.ts runs the gate with an operator).
    const uninstall = await helm.run(
      'uninstall',
      release,
      '--namespace',
      namespace,
      '--no-hooks',
      '--wait',
      '--timeout',
      '60s',
    );
    expect(uninstall.stdout).toMatch(/uninstalled/);
    const left = await until('garbage collection', async () => {
      const names = (await everythingIn(namespace)).map((o) => `${o.kind}/${o.metadata.name}`).sort();
      return names.every((n) => documentedLeftovers.includes(n)) ? names : undefined;
    });
    expect(left).toEqual([...documentedLeftovers].sort());
    const clusterWide = await kubectl.json<{ items: K8sObject[] }>([
      'get',
      'clusterroles,clusterrolebindings,customresourcedefinitions',
      '-l',
      `app.kubernetes.io/instance=${release}`,
    ]);
    expect(clusterWide.items).toEqual([]);

    await helm.run('install', release, chartDir, '--namespace', namespace);
    expect(await secretData(`${release}-shelfpulse-influxdb`)).toEqual(influxCredentials);
  });
});
