// helm uninstall with the example ShelfFleet, while the operator and the bridge
// run as the chart's ServiceAccounts with the chart's configuration (local
// processes: there is no kubelet here) and the device-cloud emulator stands in for the chart's.
// Helm deletes the operator's RBAC before custom resources; the chart's
// pre-delete gate makes the operator delete the fleet first. Afterwards no
// ShelfFleet, StatefulSet, ConfigMap or Lease of the release is left, and the
// fleet's pre-subscription is gone from the device cloud.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Helm,
  ManagedProcess,
  serviceAccountKubeconfig,
  TestEnv,
  type TestEnvInfo,
} from '../../../testenv/src/index.ts';
import { startDeviceCloud, type DeviceCloud } from '../../../simulator/src/cloud/device-cloud.ts';
import { spawnOperator, type OperatorProcess } from '../../../operator/test/integration/operator-process.ts';
import { chartDir, Kubectl, unique, type K8sObject } from './chart.ts';

// The bridge routes from every MetricSink in the cluster: with an API server of
// its own, other tests' sinks (some point at servers kept silent on purpose)
// cannot slow this one down.
let own: TestEnv | undefined;
let env: TestEnvInfo;
const namespace = unique('chart-uninstall');
const release = 'gone';
let helm: Helm;
let kubectl: Kubectl;

/** What the processes under test said last, for a failure message. */
let lastWords = (): string => '';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${lastWords()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const names = async (kinds: string): Promise<string[]> =>
  (await kubectl.json<{ items: K8sObject[] }>(['get', kinds, '--namespace', namespace])).items
    .map((o) => `${o.kind}/${o.metadata.name}`)
    .filter((n) => n !== 'ConfigMap/kube-root-ca.crt')
    .sort();

describe('helm uninstall with the example ShelfFleet and a running operator', () => {
  let cloud: DeviceCloud;
  let apiKey: string;
  let operator: OperatorProcess | undefined;
  let bridge: ManagedProcess | undefined;

  beforeAll(async () => {
    own = await TestEnv.start({ influx: false, nodes: false });
    env = own.info();
    helm = new Helm(env.workDir, env.kube.kubeconfig);
    kubectl = new Kubectl(env.kube.kubeconfig);
    await kubectl.installCrds();
    await kubectl.restrictedNamespace(namespace);
  }, 180_000);
  afterAll(async () => {
    await operator?.stop();
    await bridge?.stop();
    await cloud?.close();
    await helm
      .run('uninstall', release, '--namespace', namespace, '--ignore-not-found', '--no-hooks')
      .catch(() => undefined);
    await kubectl.run(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    await own?.stop();
  }, 180_000);

  it('leaves no ShelfFleet, StatefulSet, ConfigMap or Lease behind', async () => {
    await helm.run(
      'install',
      release,
      chartDir,
      '--namespace',
      namespace,
      '--set',
      'exampleFleet.enabled=true',
    );
    const secret = await kubectl.json<{ data: Record<string, string> }>([
      'get',
      'secret',
      `${release}-shelfpulse-device-cloud`,
      '--namespace',
      namespace,
    ]);
    apiKey = Buffer.from(secret.data['api-key']!, 'base64').toString();
    cloud = await startDeviceCloud(
      { apiKeys: [apiKey], logLevel: 'silent' },
      { logger: pino({ level: 'silent' }) },
    );

    const settings = await kubectl.json<{ data: Record<string, string> }>([
      'get',
      'configmap',
      `${release}-shelfpulse-operator`,
      '--namespace',
      namespace,
    ]);
    const kubeconfigOf = (component: string) =>
      serviceAccountKubeconfig(env, namespace, `${release}-shelfpulse-${component}`);
    operator = await spawnOperator({
      ...settings.data,
      KUBECONFIG: await kubeconfigOf('operator'),
      SHELFPULSE_POD_NAME: `${release}-operator-0`,
      SHELFPULSE_LISTEN_HOST: '127.0.0.1',
      SHELFPULSE_LISTEN_PORT: '0',
      // The chart's emulator Service has no pod here: the local emulator stands in for it.
      SHELFPULSE_DEVICE_CLOUD_URL: cloud.url,
      SHELFPULSE_DEVICE_CLOUD_API_KEY: apiKey,
    });

    // The bridge with the chart's configuration file, listening and spooling locally.
    const bridgeDir = join(env.workDir, `${namespace}-bridge`);
    mkdirSync(bridgeDir, { recursive: true });
    const bridgeConfig = await kubectl.json<{ data: Record<string, string> }>([
      ...['get', 'configmap', `${release}-shelfpulse-bridge`, '--namespace', namespace],
    ]);
    writeFileSync(join(bridgeDir, 'bridge.yaml'), bridgeConfig.data['bridge.yaml']!);
    bridge = new ManagedProcess({
      name: 'bridge',
      command: process.execPath,
      args: [
        fileURLToPath(new URL('../../../bridge/bin/bridge.ts', import.meta.url)),
        ...['--config', join(bridgeDir, 'bridge.yaml'), '--host', '127.0.0.1', '--port', '0'],
        // The emulator could not reach the chart's in-cluster webhook URL: long-poll instead.
        ...['--mode', 'long-poll'],
        ...['--spool-dir', join(bridgeDir, 'spool')],
      ],
      logFile: join(bridgeDir, 'bridge.log'),
      env: {
        PATH: process.env['PATH'],
        KUBECONFIG: await kubeconfigOf('bridge'),
        BRIDGE_POD_NAME: `${release}-bridge-0`,
        BRIDGE_WEBHOOK_SECRET: 'a-webhook-secret-for-this-test',
        BRIDGE_CLOUD_API_URL: cloud.url,
        BRIDGE_CLOUD_API_KEY: apiKey,
      },
    });
    bridge.start();
    lastWords = () =>
      [
        'operator (last 15 log lines):',
        ...operator!.logs.slice(-15).map((l) => JSON.stringify(l)),
        'bridge (last 15 log lines):',
        bridge!.tail(15),
      ].join('\n');

    // The operator has taken the fleet in hand (finalizer, simulator workload, pre-subscription),
    // and the operator and the bridge hold their Leases.
    await until('the fleet finalized, its workload and pre-subscription made', async () => {
      const fleet = await kubectl.json<K8sObject & { metadata: { finalizers?: string[] } }>([
        'get',
        'shelffleet',
        'aisle-7',
        '--namespace',
        namespace,
      ]);
      const present = await names('statefulsets,configmaps,leases');
      const presubscriptions = await (
        await fetch(`${cloud.url}/v2/subscriptions`, { headers: { authorization: `Bearer ${apiKey}` } })
      ).json();
      return fleet.metadata.finalizers?.length &&
        present.includes('StatefulSet/aisle-7-sim') &&
        present.includes(`Lease/${release}-shelfpulse-operator`) &&
        present.includes(`Lease/${release}-shelfpulse-bridge`) &&
        (presubscriptions as unknown[]).length === 1
        ? true
        : undefined;
    });

    const uninstall = await helm.run(
      'uninstall',
      release,
      '--namespace',
      namespace,
      '--wait',
      '--timeout',
      '90s',
    );
    expect(uninstall.stdout).toMatch(/uninstalled/);
    const left = await until('garbage collection of the fleet workload and the Lease', async () => {
      const found = await names('shelffleets,statefulsets,configmaps,leases');
      return found.length === 0 ? found : undefined;
    });
    expect(left).toEqual([]);
    const presubscriptions = await (
      await fetch(`${cloud.url}/v2/subscriptions`, { headers: { authorization: `Bearer ${apiKey}` } })
    ).json();
    expect(presubscriptions).toEqual([]);
  }, 480_000);
});
