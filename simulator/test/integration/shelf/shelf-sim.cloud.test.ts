// Simulated shelves against the real device-cloud emulator: registration, a
// notification for every count change, registration again after the server
// restarts, and de-registration when the shelf-sim process gets SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SimulatorConfigSchema, type SimulatorConfigInput } from '@shelfpulse/core/api/simulator-config';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import { parseGroundTruth, type GroundTruthRecord } from '../../../src/shelf/ground-truth.ts';
import { ShelfSimRunner } from '../../../src/shelf/shelf-sim-runner.ts';
import { ConnectApiClient } from './connect-api.ts';

const apiKey = 'shelf-sim-test-key-0001';
const silent = pino({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cloudOn(port = 0): Promise<DeviceCloud> {
  const cloud = await startDeviceCloud(
    { apiKeys: [apiKey], longPoll: { timeoutMs: 500 }, coap: { port } },
    { logger: silent },
  );
  cleanups.push(() => Promise.race([cloud.close(), new Promise<void>((r) => setTimeout(r, 1000))]));
  return cloud;
}

interface CloudProcess {
  url: string;
  coap: { host: string; port: number };
  kill(): void;
}

/** The emulator in a child process, so it can crash and restart on the same port. */
async function cloudProcess(port = 0): Promise<CloudProcess> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'device-cloud-process.ts'), apiKey, String(port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const info = JSON.parse(line.toString()) as Omit<CloudProcess, 'kill'>;
  return { ...info, kill: () => child.kill('SIGKILL') };
}

async function connect(cloud: Pick<DeviceCloud, 'url'>, endpointPrefix: string): Promise<ConnectApiClient> {
  const api = new ConnectApiClient(cloud.url, apiKey);
  await api.preSubscribe([{ 'endpoint-name': `${endpointPrefix}*`, 'resource-path': ['/10341/0/26342'] }]);
  await api.startPolling();
  cleanups.push(() => api.stop());
  return api;
}

function configFor(
  cloud: Pick<DeviceCloud, 'coap'>,
  endpointPrefix: string,
  overrides: Partial<SimulatorConfigInput> = {},
) {
  return SimulatorConfigSchema.parse({
    fleet: 'it-shelves',
    endpointPrefix,
    server: cloud.coap,
    shelvesPerReplica: 3,
    placements: [
      { productId: 'soap-500g', position: 'eye-level', capacity: 12, restockThreshold: 4 },
      { productId: 'rice-1kg', position: 'low', capacity: 10, restockThreshold: 3 },
    ],
    behaviour: {
      shoppersPerHour: 3600,
      dailyProfile: Array(24).fill(1),
      handleProbability: 0.6,
      restockDelaySecondsMean: 5,
    },
    speedup: 5,
    seed: 2026,
    ...overrides,
  });
}

function registeredCount(cloud: DeviceCloud, endpoints: string[]): number {
  return endpoints.filter((ep) => cloud.registry.get(deviceIdFor(ep))?.state === 'registered').length;
}

describe('shelf-sim against the device-cloud emulator', () => {
  it('registers every shelf and sends a notification for every count change', async () => {
    const cloud = await cloudOn();
    const api = await connect(cloud, 'it-notify-');
    const observed = new Set<string>();
    const expected: GroundTruthRecord[] = [];
    const runner = new ShelfSimRunner(configFor(cloud, 'it-notify-'), {
      bindAddress: '127.0.0.1',
      log: silent,
      // Only changes after the server started observing can be notified.
      onEvent: (record) => {
        if (observed.has(record.endpoint)) expected.push(record);
      },
    });
    cleanups.push(() => runner.stop({ timeoutMs: 1000 }));
    for (let i = 0; i < 3; i++) runner.client(i)!.on('observed', () => observed.add(runner.endpoints[i]!));
    await runner.start();
    await expect.poll(() => registeredCount(cloud, runner.endpoints), { timeout: 10_000 }).toBe(3);
    const device = cloud.registry.get(deviceIdFor('it-notify-1'))!;
    expect(device.endpointType).toBe('smart-shelf');
    expect(device.links.map((l) => l.path)).toContain('/10341/0/26342');

    await expect.poll(() => observed.size, { timeout: 10_000 }).toBe(3);
    await expect.poll(() => expected.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(30);
    runner.stopShoppers();
    for (const endpoint of runner.endpoints) {
      const counts = expected.filter((r) => r.endpoint === endpoint).map((r) => String(r.count));
      expect(counts.length).toBeGreaterThan(0);
      // The first value is the count when the observation started; then one per change, in order.
      await expect
        .poll(() => api.values(deviceIdFor(endpoint)).slice(1), { timeout: 10_000 })
        .toEqual(counts);
    }
    const kinds = new Set(expected.map((r) => r.kind));
    expect(kinds).toEqual(new Set(['pickup', 'putback', 'restock']));
  });

  it('registers again after the server restarts, and notifications resume', async () => {
    const first = await cloudProcess();
    const runner = new ShelfSimRunner(configFor(first, 'it-restart-'), {
      bindAddress: '127.0.0.1',
      log: silent,
    });
    cleanups.push(() => runner.stop({ timeoutMs: 1000 }));
    let registrations = 0;
    for (let i = 0; i < 3; i++) runner.client(i)!.on('registered', () => registrations++);
    await connect(first, 'it-restart-');
    await runner.start();
    await expect.poll(() => registrations, { timeout: 10_000 }).toBe(3);

    first.kill(); // the server crashes and comes back on the same port with an empty memory
    const second = await cloudProcess(first.coap.port);
    const api = await connect(second, 'it-restart-');
    // The next notification meets a server that does not know it (Reset), the
    // shelf's update gets 4.04, and it registers again.
    await expect.poll(() => registrations, { timeout: 30_000 }).toBe(6);
    for (const ep of runner.endpoints) {
      await expect.poll(() => api.values(deviceIdFor(ep)).length, { timeout: 15_000 }).toBeGreaterThan(1);
    }
  });

  it('de-registers every shelf when the shelf-sim process gets SIGTERM', async () => {
    const cloud = await cloudOn();
    const dir = mkdtempSync(join(tmpdir(), 'shelf-sim-'));
    const truth = join(dir, 'truth.jsonl');
    const child = spawn(
      process.execPath,
      [
        'simulator/bin/shelf-sim.ts',
        '--server',
        `127.0.0.1:${cloud.coap.port}`,
        '--shelves',
        '4',
        '--prefix',
        'it-term-',
        '--fleet',
        'it-term',
        '--placement',
        'soap-500g:eye-level:12:4',
        '--shoppers-per-hour',
        '3600',
        '--speedup',
        '10',
        '--ground-truth',
        truth,
        '--summary',
        'json',
        '--http',
        '127.0.0.1:0',
      ],
      { cwd: join(import.meta.dirname, '../../../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const endpoints = ['it-term-0', 'it-term-1', 'it-term-2', 'it-term-3'];
    await expect.poll(() => registeredCount(cloud, endpoints), { timeout: 20_000 }).toBe(4);
    // The status endpoint (for Kubernetes probes and Prometheus) agrees.
    const statusUrlIn = (text: string): string | undefined =>
      /"url":"(http:[^"]+)","msg":"serving/.exec(text)?.[1];
    await expect.poll(() => statusUrlIn(output)).toBeDefined();
    const statusUrl = statusUrlIn(output)!;
    await expect.poll(async () => (await fetch(`${statusUrl}/readyz`)).status).toBe(200);
    const metrics = async (): Promise<string> => (await fetch(`${statusUrl}/metrics`)).text();
    expect(await metrics()).toMatch(/^shelfsim_shelves_registered 4$/m);
    await expect
      .poll(metrics, { timeout: 10_000 })
      .toMatch(/^shelfsim_events_total\{kind="pickup"\} [1-9]\d*$/m);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code, output).toBe(0);
    for (const ep of endpoints) expect(cloud.registry.get(deviceIdFor(ep))?.state).toBe('deregistered');
    const logs = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string });
    expect(logs.map((l) => l.msg)).toContain('stopped');
    // The ground truth was flushed before exit and parses.
    const records = parseGroundTruth(readFileSync(truth, 'utf8'));
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(endpoints).toContain(r.endpoint);
  });
});
