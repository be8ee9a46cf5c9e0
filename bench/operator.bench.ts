// Benchmark: N ShelfFleets (default 1,000) created at once against the real
// API server; the operator runs as its own process with the device-cloud
// emulator as its device cloud. Variants of the operator, in alternating
// rounds of one run: the compiled JavaScript the image runs (images/compile.ts)
// and, for reference, the TypeScript sources under Node.js's type stripping,
// each with every set of node flags given (default: the chart's command-line
// flags, operator.nodeFlags); all with the chart's NODE_OPTIONS
// (operator.nodeOptions in values.yaml).
// Measures, per round: resident memory idle (leader, caches synced, no fleets)
// and while the fleets are reconciled (peak), the time until every fleet is
// reconciled (status.observedGeneration = generation, seen through a watch),
// and the operator's reconcile duration (its own histogram). Prints medians.
//
// Run: node bench/operator.bench.ts [--fleets 1000] [--rounds 3] [--builds compiled,source]
//        ['--node-flags=--flag …' (repeatable; --node-flags= for none; default: the chart's)]
//        ['--node-options=…' (default: the chart's)] [--concurrency 100] [--simulator true|false]
// Targets (issue 15): at most 100 MB resident at 1,000 fleets, at most the
// chart's memory request when idle; (issue 5) all reconciled within 60 s.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
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
import { spawnOperator, type OperatorProcess } from '../operator/test/integration/operator-process.ts';
import { median } from './median.ts';

const root = join(import.meta.dirname, '..');
const chartValues = parseYaml(readFileSync(join(root, 'charts/shelfpulse/values.yaml'), 'utf8')) as {
  operator: { nodeOptions?: string; nodeFlags?: string[]; resources: { requests: { memory: string } } };
};
const { values } = parseArgs({
  options: {
    fleets: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    builds: { type: 'string', default: 'compiled,source' },
    concurrency: { type: 'string', default: '100' },
    simulator: { type: 'string', default: 'true' },
    'node-options': { type: 'string', default: chartValues.operator.nodeOptions ?? '' },
    'node-flags': {
      type: 'string',
      multiple: true,
      default: [(chartValues.operator.nodeFlags ?? []).join(' ')],
    },
  },
});
const fleets = Number(values.fleets);
const rounds = Number(values.rounds);
const builds = values.builds.split(',') as Array<'compiled' | 'source'>;
const concurrency = Number(values.concurrency);
const withSimulator = values.simulator !== 'false';
const nodeOptions = values['node-options'];
interface Variant {
  label: string;
  build: 'compiled' | 'source';
  flags: string[];
}
const variants: Variant[] = builds.flatMap((build) =>
  values['node-flags'].map((flags) => ({
    build,
    flags: flags.split(' ').filter(Boolean),
    label: `${build === 'compiled' ? 'compiled (as in the image)' : 'type-stripped sources'}${flags ? `, \`${flags}\`` : ''}`,
  })),
);
const apiKey = 'bench-operator-key-0001';
const namespace = 'bench';

const MiB = 1024 * 1024;
// Targets in MiB: 100 MB at 1,000 fleets; idle, the chart's request (96Mi).
const busyTargetMiB = 100e6 / MiB;
const idleTargetMiB = Number(/^(\d+)Mi$/.exec(chartValues.operator.resources.requests.memory)![1]);
const reconciledTargetMs = 60_000;

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** The operator compiled as the image has it: app files plus node_modules, @shelfpulse/* pointing at the compiled code. */
function compileOperator(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shelfpulse-operator-js-'));
  execFileSync(process.execPath, [join(root, 'images/compile.ts'), dir, 'operator/bin/operator.ts'], {
    cwd: root,
    stdio: 'inherit',
  });
  mkdirSync(join(dir, 'node_modules/@shelfpulse'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === '@shelfpulse' || entry === '.bin') continue;
    symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const workspace of readdirSync(dir)) {
    if (workspace !== 'node_modules' && workspace !== 'package.json') {
      symlinkSync(join(dir, workspace), join(dir, 'node_modules/@shelfpulse', workspace));
    }
  }
  return dir;
}

interface Round {
  idleMiB: number;
  peakMiB: number;
  afterMiB: number;
  reconciledMs: number;
  createdMs: number;
  p50Ms: number;
  p99Ms: number;
  reconciles: number;
  meanReconcileMs: number;
  errors: number;
  presubscriptions: number;
  heapUsedMiB: number;
}

async function round(args: string[]): Promise<Round> {
  // A fresh API server and emulator per round: no fleets left over from the last one.
  const env = await TestEnv.start({ influx: false, controllerManager: false, nodes: false });
  const cloud = await startDeviceCloud(
    { apiKeys: [apiKey], logLevel: 'silent' },
    { logger: pino({ level: 'silent' }) },
  );
  let operator: OperatorProcess | undefined;
  let watcher: Informer<ShelfFleet & KubeObject> | undefined;
  try {
    const client = new KubeClient(fromKubeconfig(env.apiserver!.kubeconfig));
    await installCrds(client);
    for (const name of [namespace, 'shelfpulse']) {
      await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    operator = await spawnOperator(
      {
        KUBECONFIG: env.apiserver!.kubeconfig,
        SHELFPULSE_NAMESPACE: 'shelfpulse',
        SHELFPULSE_DEVICE_CLOUD_URL: cloud.url,
        SHELFPULSE_DEVICE_CLOUD_API_KEY: apiKey,
        SHELFPULSE_LWM2M_HOST: cloud.coap.host,
        SHELFPULSE_LWM2M_PORT: String(cloud.coap.port),
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      },
      args,
    );
    const op = operator;
    const pid = op.process.pid!;
    // Idle: leader, caches synced, controllers running, no fleets; the highest of 3 s of samples.
    for (let t = 0; !op.logs.some((l) => l['msg'] === 'controllers started'); t += 100) {
      if (t > 30_000) throw new Error('the operator did not start its controllers within 30 s');
      await sleep(100);
    }
    let idleMiB = 0;
    for (let i = 0; i < 15; i++, await sleep(200)) idleMiB = Math.max(idleMiB, rssMiB(pid));
    let peakMiB = idleMiB;
    const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, rssMiB(pid))), 200);

    const created = new Map<string, number>();
    const reconciled = new Map<string, number>();
    watcher = new Informer<ShelfFleet & KubeObject>(
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
    const createdMs = performance.now() - start;
    const timeout = setTimeout(() => allDone(), 300_000);
    await done;
    clearTimeout(timeout);
    const reconciledMs = performance.now() - start;
    // Resident memory holding 1,000 fleets once the burst is over (still counted in the peak).
    await sleep(5_000);
    clearInterval(sampler);
    const afterMiB = rssMiB(pid);
    peakMiB = Math.max(peakMiB, afterMiB);

    const latencies = [...reconciled].map(([name, t]) => t - created.get(name)!).sort((a, b) => a - b);
    const reconciles = await op.metric('shelfpulse_operator_reconcile_duration_seconds_count', {
      controller: 'shelffleet',
    });
    const reconcileSum = await op.metric('shelfpulse_operator_reconcile_duration_seconds_sum', {
      controller: 'shelffleet',
    });
    const presubscriptions = (await (
      await fetch(`${cloud.url}/v2/subscriptions`, { headers: { authorization: `Bearer ${apiKey}` } })
    ).json()) as unknown[];
    return {
      idleMiB,
      peakMiB,
      afterMiB,
      reconciledMs: reconciled.size === fleets ? reconciledMs : Infinity,
      createdMs,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      reconciles,
      meanReconcileMs: (reconcileSum / Math.max(1, reconciles)) * 1000,
      errors: await op.metric('shelfpulse_operator_reconcile_errors_total'),
      presubscriptions: presubscriptions.length,
      heapUsedMiB: (await op.metric('shelfpulse_operator_nodejs_heap_size_used_bytes')) / MiB,
    };
  } finally {
    await watcher?.stop();
    await operator?.stop();
    await cloud.close();
    await env.stop();
  }
}

const compiledDir = builds.includes('compiled') ? compileOperator() : undefined;
const bins = {
  compiled: compiledDir ? join(compiledDir, 'operator/bin/operator.js') : '',
  source: join(root, 'operator/bin/operator.ts'),
};
const results = new Map<Variant, Round[]>(variants.map((v) => [v, []]));
try {
  // Alternate the variants round by round, so that load from other work on the machine falls on all.
  for (let r = 0; r < rounds; r++) {
    for (const variant of variants) {
      const result = await round([...variant.flags, bins[variant.build]]);
      results.get(variant)!.push(result);
      console.error(
        `round ${r + 1}/${rounds} ${variant.label}: idle ${result.idleMiB.toFixed(0)} MiB, peak ${result.peakMiB.toFixed(0)} MiB, ` +
          `after ${result.afterMiB.toFixed(0)} MiB, all reconciled ${(result.reconciledMs / 1000).toFixed(1)} s, ` +
          `mean reconcile ${result.meanReconcileMs.toFixed(0)} ms`,
      );
    }
  }
} finally {
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
}

const med = (v: Variant, pick: (r: Round) => number): number => median(results.get(v)!.map(pick));
const range = (v: Variant, pick: (r: Round) => number, digits = 0): string => {
  const all = results.get(v)!.map(pick);
  return `${Math.min(...all).toFixed(digits)}–${Math.max(...all).toFixed(digits)}`;
};
const row = (label: string, cell: (v: Variant) => string): string =>
  `| ${label} | ${variants.map(cell).join(' | ')} |`;
const mem = (pick: (r: Round) => number, target: number) => (v: Variant) =>
  `${med(v, pick).toFixed(0)} MiB (${range(v, pick)}), **${(med(v, pick) / target).toFixed(2)}** of the target`;
const seconds = (pick: (r: Round) => number) => (v: Variant) =>
  `${(med(v, pick) / 1000).toFixed(1)} s (${range(v, (r) => pick(r) / 1000, 1)})`;
const [first] = variants;
const ratios = variants
  .slice(1)
  .map(
    (v) =>
      `- ${v.label} / ${first!.label}: RSS idle ${(med(v, (r) => r.idleMiB) / med(first!, (r) => r.idleMiB)).toFixed(2)}, ` +
      `peak ${(med(v, (r) => r.peakMiB) / med(first!, (r) => r.peakMiB)).toFixed(2)}, ` +
      `all reconciled ${(med(v, (r) => r.reconciledMs) / med(first!, (r) => r.reconciledMs)).toFixed(2)}, ` +
      `mean reconcile ${(med(v, (r) => r.meanReconcileMs) / med(first!, (r) => r.meanReconcileMs)).toFixed(2)}`,
  );
console.log(`
${fleets} fleets (${withSimulator ? 'with simulator: ConfigMap + StatefulSet each' : 'real devices: subscriptions only'}), ${rounds} rounds, medians (range);
NODE_OPTIONS=${nodeOptions || '(none)'}; targets: idle ≤ ${idleTargetMiB} MiB (the chart's request), at ${fleets} fleets ≤ 100 MB (${busyTargetMiB.toFixed(1)} MiB)

${row('figure', (v) => v.label)}
${row('---', () => '---')}
${row(
  '**RSS idle**',
  mem((r) => r.idleMiB, idleTargetMiB),
)}
${row(
  `**RSS peak, ${fleets} fleets**`,
  mem((r) => r.peakMiB, busyTargetMiB),
)}
${row(
  'RSS 5 s after the last reconcile',
  mem((r) => r.afterMiB, busyTargetMiB),
)}
${row(
  '**all reconciled** (from first create)',
  (v) =>
    `${seconds((r) => r.reconciledMs)(v)}, ${(med(v, (r) => r.reconciledMs) / reconciledTargetMs).toFixed(2)} of 60 s`,
)}
${row('mean reconcile duration', (v) => `${med(v, (r) => r.meanReconcileMs).toFixed(0)} ms (${range(v, (r) => r.meanReconcileMs)})`)}
${row(
  'all created (client)',
  seconds((r) => r.createdMs),
)}
${row('latency create → reconciled, p50 / p99', (v) => `${(med(v, (r) => r.p50Ms) / 1000).toFixed(1)} s / ${(med(v, (r) => r.p99Ms) / 1000).toFixed(1)} s`)}
${row('reconciles', (v) => String(med(v, (r) => r.reconciles)))}
${row('reconcile errors (all rounds)', (v) => String(results.get(v)!.reduce((n, r) => n + r.errors, 0)))}
${row('pre-subscription entries', (v) => String(med(v, (r) => r.presubscriptions)))}
${row('JS heap in use after the run', (v) => `${med(v, (r) => r.heapUsedMiB).toFixed(0)} MiB`)}
${ratios.length ? `\nRatios of medians, same run:\n${ratios.join('\n')}` : ''}
`);
