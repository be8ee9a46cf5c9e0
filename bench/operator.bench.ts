// Benchmark: N ShelfFleets (default 1,000) created at once against the real
// API server; the operator runs as its own process (the real command) with the
// device-cloud emulator as its device cloud. Measures the time until every
// fleet is reconciled (status.observedGeneration = generation, seen through a
// watch), per-fleet latency from creation to reconciled (p50/p99), the
// operator's reconcile duration (its own histogram), and the operator's
// resident memory (peak, from /proc while the run lasts).
//
// Run: node bench/operator.bench.ts [--fleets 1000] [--concurrency 100] [--simulator true|false] [--node-options '--max-old-space-size=…']
// Targets (issue 5): all reconciled within 60 s, resident memory under 150 MB.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { TestEnv } from '../testenv/src/index.ts';
import { startDeviceCloud } from '../simulator/src/cloud/device-cloud.ts';
import { apiVersion } from '../core/src/api/group.ts';
import type { ShelfFleet } from '../core/src/api/shelf-fleet.ts';
import { installCrds } from '../operator/src/crd/install.ts';
import { KubeClient, type KubeObject } from '../core/src/kube/client.ts';
import { fromKubeconfig } from '../core/src/kube/connection.ts';
import { resourcePath, resources } from '../core/src/kube/paths.ts';
import { Informer } from '../core/src/runtime/informer.ts';
import { WatchMetrics } from '../core/src/runtime/watch-metrics.ts';
import { spawnOperator } from '../operator/test/integration/operator-process.ts';

const { values } = parseArgs({
  options: {
    fleets: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '100' },
    simulator: { type: 'string', default: 'true' },
    'node-options': { type: 'string', default: '' },
  },
});
const fleets = Number(values.fleets);
const concurrency = Number(values.concurrency);
const withSimulator = values.simulator !== 'false';
const apiKey = 'bench-operator-key-0001';
const namespace = 'bench';

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

// No controller-manager or nodes: the figures are the operator's, not the StatefulSet controller's.
const env = await TestEnv.start({ influx: false, controllerManager: false, nodes: false });
const cloud = await startDeviceCloud(
  { apiKeys: [apiKey], logLevel: 'silent' },
  { logger: pino({ level: 'silent' }) },
);
try {
  const client = new KubeClient(fromKubeconfig(env.apiserver!.kubeconfig));
  await installCrds(client);
  await client.create('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  await client.create('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'shelfpulse' },
  });

  const operator = await spawnOperator({
    KUBECONFIG: env.apiserver!.kubeconfig,
    SHELFPULSE_NAMESPACE: 'shelfpulse',
    SHELFPULSE_DEVICE_CLOUD_URL: cloud.url,
    SHELFPULSE_DEVICE_CLOUD_API_KEY: apiKey,
    SHELFPULSE_LWM2M_HOST: cloud.coap.host,
    SHELFPULSE_LWM2M_PORT: String(cloud.coap.port),
    ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}),
  });
  const pid = operator.process.pid!;
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = rssMb(pid);
  let peakRss = idleRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 200);

  const created = new Map<string, number>();
  const reconciled = new Map<string, number>();
  const watcher = new Informer<ShelfFleet & KubeObject>(
    client,
    {
      name: 'bench',
      path: resourcePath(resources.shelfFleets, namespace),
      resyncMs: 3_600_000,
      watchTimeoutSeconds: 600,
      silenceMs: 660_000,
    },
    pino({ level: 'silent' }),
    new WatchMetrics(new Registry(), 'bench_'),
  );
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const check = (f: ShelfFleet & KubeObject): void => {
    const name = f.metadata.name!;
    if (!reconciled.has(name) && f.status?.observedGeneration === f.metadata.generation) {
      reconciled.set(name, performance.now());
      if (reconciled.size === fleets) allDone();
    }
  };
  watcher.on({ added: check, updated: check });
  watcher.start();
  await watcher.synced;

  const spec = (i: number) => ({
    replicas: 1,
    store: `store-${i % 20}`,
    aisle: String(i % 12),
    placements: [
      { productId: `p-${i}-a`, position: 'eye-level' },
      { productId: `p-${i}-b`, position: 'low' },
    ],
    ...(withSimulator
      ? { simulator: { shelvesPerReplica: 4 } }
      : { devices: { endpointNamePrefix: `dev-${i}-` } }),
  });
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < fleets) {
        const i = next++;
        const name = `fleet-${String(i).padStart(4, '0')}`;
        await client.create(resourcePath(resources.shelfFleets, namespace), {
          apiVersion,
          kind: 'ShelfFleet',
          metadata: { name },
          spec: spec(i),
        });
        created.set(name, performance.now());
      }
    }),
  );
  const createdAll = performance.now() - start;
  const timeout = setTimeout(() => allDone(), 300_000);
  await done;
  clearTimeout(timeout);
  const total = performance.now() - start;
  clearInterval(sampler);

  const latencies = [...reconciled].map(([name, t]) => t - created.get(name)!).sort((a, b) => a - b);
  const reconcileCount = await operator.metric('shelfpulse_operator_reconcile_duration_seconds_count', {
    controller: 'shelffleet',
  });
  const reconcileSum = await operator.metric('shelfpulse_operator_reconcile_duration_seconds_sum', {
    controller: 'shelffleet',
  });
  const errors = await operator.metric('shelfpulse_operator_reconcile_errors_total');
  const heapUsed = (await operator.metric('shelfpulse_operator_nodejs_heap_size_used_bytes')) / 1e6;
  const presubscriptions = (await (
    await fetch(`${cloud.url}/v2/subscriptions`, { headers: { authorization: `Bearer ${apiKey}` } })
  ).json()) as unknown[];

  console.log(`
| figure | value |
|---|---|
| fleets (${withSimulator ? 'with simulator: ConfigMap + StatefulSet each' : 'real devices: subscriptions only'}) | ${fleets} |
| all created (client, ${concurrency} in flight) | ${(createdAll / 1000).toFixed(1)} s |
| **all reconciled** (from first create) | **${(total / 1000).toFixed(1)} s** (target 60 s: ${((total / 60_000) * 100).toFixed(0)} % of it) |
| fleets reconciled | ${reconciled.size} |
| latency create → reconciled, p50 | ${quantile(latencies, 0.5).toFixed(0)} ms |
| latency create → reconciled, p99 | ${quantile(latencies, 0.99).toFixed(0)} ms |
| reconciles run / mean duration | ${reconcileCount} / ${((reconcileSum / Math.max(1, reconcileCount)) * 1000).toFixed(1)} ms |
| reconcile errors | ${errors} |
| pre-subscription entries in the emulator | ${presubscriptions.length} |
| operator JS heap in use after the run | ${heapUsed.toFixed(0)} MB |
| operator RSS idle → peak${values['node-options'] ? ` (NODE_OPTIONS=${values['node-options']})` : ''} | ${idleRss.toFixed(0)} MB → **${peakRss.toFixed(0)} MB** (target 150 MB: ${((peakRss / 150) * 100).toFixed(0)} % of it) |
`);
  await watcher.stop();
  await operator.stop();
} finally {
  await cloud.close();
  await env.stop();
}
