// Benchmark: how many shelves one shelf-sim process sustains, and at what CPU
// cost, at a given count-change rate per shelf. shelf-sim runs as its own
// process (the real command); the device-cloud emulator runs in this one,
// observes every shelf's count and delivers the notifications over long poll,
// so the event rate is counted end to end.
//
// With `--server sink` a minimal ACK-only LwM2M server (lwm2m-ack-sink.ts)
// stands in for the emulator, to find shelf-sim's own ceiling.
//
// Run: node bench/shelf-sim.bench.ts [--shelves 2000] [--rates 0.1,1,2,5] [--seconds 20] [--server emulator|sink]
// Figures: CPU of the shelf-sim process as a fraction of one core (CPU time /
// wall time in the same window), count changes per second it produced, and
// notifications per second the server acknowledged (sink) or the cloud
// delivered over long poll (emulator).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startDeviceCloud, type DeviceCloud } from '../simulator/src/cloud/device-cloud.ts';
import { startAckSink } from './lwm2m-ack-sink.ts';

const { values } = parseArgs({
  options: {
    shelves: { type: 'string', default: '2000' },
    rates: { type: 'string', default: '0.1,1,2,5' },
    seconds: { type: 'string', default: '20' },
    server: { type: 'string', default: 'emulator' },
  },
});
const shelves = Number(values.shelves);
const rates = values.rates.split(',').map(Number);
const windowMs = Number(values.seconds) * 1000;
const useSink = values.server === 'sink';
const apiKey = 'bench-shelf-sim-key';
const root = join(import.meta.dirname, '..');
const ticksPerSecond = 100; // getconf CLK_TCK on Linux

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function lines(path: string): number {
  try {
    if (statSync(path).size === 0) return 0;
  } catch {
    return 0;
  }
  const text = readFileSync(path, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pullCount(
  cloud: DeviceCloud,
  counter: { n: number; devices: Set<string> },
  stop: AbortSignal,
): Promise<void> {
  while (!stop.aborted) {
    try {
      const res = await fetch(`${cloud.url}/v2/notification/pull`, {
        headers: { authorization: `Bearer ${apiKey}` },
        signal: stop,
      });
      if (res.status !== 200) {
        await res.text();
        continue;
      }
      const message = (await res.json()) as { notifications?: { ep: string }[] };
      for (const n of message.notifications ?? []) {
        counter.n++;
        counter.devices.add(n.ep);
      }
    } catch {
      return;
    }
  }
}

interface Result {
  rate: number;
  registered: number;
  cpu: number;
  events: number;
  notifications: number;
  rssMb: number;
  serverCpu: number;
}

interface Server {
  coapPort: number;
  registered(): number;
  observedShelves(): number;
  notifications(): number;
  cpu(): NodeJS.CpuUsage;
  close(): Promise<void>;
}

async function emulator(): Promise<Server> {
  const cloud = await startDeviceCloud(
    { apiKeys: [apiKey], longPoll: { timeoutMs: 1000 }, channel: { queueSize: 1_000_000, maxBatch: 10_000 } },
    { logger: pino({ level: 'silent' }) },
  );
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const body = JSON.stringify([{ 'endpoint-name': 'bench-*', 'resource-path': ['/10341/0/26342'] }]);
  await fetch(`${cloud.url}/v2/subscriptions`, { method: 'PUT', headers, body });
  const counter = { n: 0, devices: new Set<string>() };
  const stopPull = new AbortController();
  const pulling = pullCount(cloud, counter, stopPull.signal);
  return {
    coapPort: cloud.coap.port,
    registered: () => cloud.registry.registeredCount(),
    observedShelves: () => counter.devices.size,
    notifications: () => counter.n,
    cpu: () => process.cpuUsage(),
    close: async () => {
      stopPull.abort();
      await pulling;
      await Promise.race([cloud.close(), sleep(2000)]);
    },
  };
}

async function sink(): Promise<Server> {
  const s = await startAckSink();
  return {
    coapPort: s.port,
    registered: () => s.registered,
    observedShelves: () => s.observed,
    notifications: () => s.notifications,
    cpu: () => process.cpuUsage(),
    close: async () => s.close(),
  };
}

async function measure(rate: number): Promise<Result> {
  const server = useSink ? await sink() : await emulator();
  const dir = mkdtempSync(join(tmpdir(), 'shelf-sim-bench-'));
  const truth = join(dir, 'truth.jsonl');
  // One count change per shopper: every shopper takes one item and keeps it;
  // capacity is large so restocks are rare.
  writeFileSync(
    join(dir, 'plan.json'),
    JSON.stringify({
      placements: [{ productId: 'bench', position: 'eye-level', capacity: 10_000, restockThreshold: 1 }],
      behaviour: {
        shoppersPerHour: rate * 3600,
        dailyProfile: Array(24).fill(1),
        handleProbability: 1,
        putBackProbability: 0,
        pickupItemWeights: [1],
      },
    }),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'simulator/bin/shelf-sim.ts',
      '--plan',
      join(dir, 'plan.json'),
      '--shelves',
      String(shelves),
      '--server',
      `127.0.0.1:${server.coapPort}`,
      '--prefix',
      'bench-',
      '--ground-truth',
      truth,
      '--summary',
      'json',
      '--log-level',
      'warn',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const pid = child.pid!;
  // Warm up: every shelf registered and observed (or 60 s).
  const warmupEnd = Date.now() + 60_000;
  while (Date.now() < warmupEnd && (server.registered() < shelves || server.observedShelves() < shelves))
    await sleep(250);
  await sleep(2000);

  const cpu0 = cpuSeconds(pid);
  const serverCpu0 = server.cpu();
  const events0 = lines(truth);
  const notes0 = server.notifications();
  const t0 = Date.now();
  await sleep(windowMs);
  const seconds = (Date.now() - t0) / 1000;
  const result: Result = {
    rate,
    registered: server.registered(),
    cpu: (cpuSeconds(pid) - cpu0) / seconds,
    events: (lines(truth) - events0) / seconds,
    notifications: (server.notifications() - notes0) / seconds,
    rssMb: rssMb(pid),
    serverCpu: ((c) => (c.user + c.system) / 1e6 / seconds)(process.cpuUsage(serverCpu0)),
  };
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await server.close();
  return result;
}

const serverName = useSink ? 'ACK-only sink' : 'device-cloud emulator';
console.log(
  `shelf-sim benchmark: ${shelves} shelves, ${windowMs / 1000} s windows, ${serverName}, node ${process.version}`,
);
console.log(
  '| changes per shelf per s | shelves registered | shelf-sim CPU (cores) | count changes/s | notifications acknowledged/s | notified/changes | RSS MB | server CPU (cores) |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const rate of rates) {
  const r = await measure(rate);
  console.log(
    `| ${r.rate} | ${r.registered}/${shelves} | ${r.cpu.toFixed(3)} | ${r.events.toFixed(0)} | ${r.notifications.toFixed(0)} | ${(r.notifications / Math.max(1, r.events)).toFixed(3)} | ${r.rssMb.toFixed(0)} | ${r.serverCpu.toFixed(3)} |`,
  );
}
process.exit(0);
