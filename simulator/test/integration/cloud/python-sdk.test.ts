// Arm's Python SDK (mbed-cloud-sdk 2.2.0, the language of the original
// tutorial) as a second official client of the emulator: the tutorial's proxy
// pattern, paging, reads and their errors, subscriptions and pre-subscriptions,
// long poll and webhook. The SDK lives in a virtualenv outside the repository,
// set up (once, cached) by hack/ensure-python-sdk.sh; each scenario is a run of
// python/sdk_client.py that prints JSON lines.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import { metricValue, waitFor } from './helpers.ts';
import { TestDevice } from './test-device.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const scenarios = ['proxy', 'paging', 'reads', 'early-answer', 'subscriptions', 'webhook'] as const;
/** A key per scenario: its own channel and subscriptions, so one scenario can never take another's events. */
const keyOf = (scenario: string) => `ak-python-sdk-${scenario}`;
const countPath = '/10341/0/26342';
const ensureScript = fileURLToPath(new URL('../../../../hack/ensure-python-sdk.sh', import.meta.url));
const clientScript = fileURLToPath(new URL('./python/sdk_client.py', import.meta.url));

type Line = Record<string, unknown> & { event: string };

/** One scenario run: its JSON lines as they come, a way to nudge it on stdin, and its end. */
class Scenario {
  readonly lines: Line[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(python: string, name: string, env: Record<string, string>) {
    this.child = spawn(python, ['-u', clientScript, name], { env: { ...process.env, ...env } });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Line);
      } catch {
        // Not one JSON object: kept, so a failing wait shows it, never thrown here.
        this.lines.push({ event: 'unreadable', line });
      }
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  line(event: string, timeoutMs = 60_000): Promise<Line> {
    const found = () => this.lines.find((l) => l.event === event);
    return waitFor(`"${event}" from the Python SDK (stderr: ${this.stderr.slice(-400)})`, found, timeoutMs);
  }

  nudge(): void {
    this.child.stdin.write('\n');
  }

  /** Waits for a clean exit; a traceback fails the test with the SDK's own words. */
  async finished(): Promise<Line[]> {
    const code = await this.exited;
    if (code !== 0) throw new Error(`the Python SDK scenario exited with ${code}:\n${this.stderr}`);
    return this.lines;
  }

  kill(): void {
    this.child.kill();
  }
}

describe('Arm Python SDK (mbed-cloud-sdk 2.2.0) against the emulator', () => {
  let python: string;
  let cloud: DeviceCloud;
  const closers: (() => Promise<void> | void)[] = [];

  let running: Scenario[] = [];
  const run = (name: (typeof scenarios)[number], env: Record<string, string> = {}) => {
    const scenario = new Scenario(python, name, {
      SHELFPULSE_HOST: cloud.url,
      SHELFPULSE_API_KEY: keyOf(name),
      ...env,
    });
    running.push(scenario);
    return scenario;
  };

  async function device(endpoint: string, values?: Record<string, string>): Promise<TestDevice> {
    const d = await TestDevice.start({
      endpoint,
      server: cloud.coap,
      endpointType: 'smart-shelf',
      ...(values ? { values } : {}),
    });
    closers.push(() => d.close());
    expect((await d.register()).code).toBe('2.01');
    return d;
  }

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(ensureScript, { encoding: 'utf8' });
    python = stdout.trim().split('\n').at(-1)!;
    cloud = await startDeviceCloud({
      apiKeys: scenarios.map(keyOf),
      longPoll: { timeoutMs: 1_000 },
      logLevel: 'silent',
    });
  }, 300_000);

  afterEach(() => {
    for (const scenario of running) scenario.kill();
    running = [];
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await cloud?.close();
  });

  it('runs the tutorial proxy pattern: every count arrives once and in order', async () => {
    const d = await device('py-proxy-shelf', { '/10341/0/26341': 'oat-milk', [countPath]: '20' });
    const counts = ['19', '18', '19', '17', '16'];
    // The first answer to the observation (20) comes too.
    const proxy = run('proxy', { SHELFPULSE_EXPECTED: String(counts.length + 1) });
    await proxy.line('ready');
    await waitFor('the observation', () => d.observerCount(countPath) === 1);
    for (const count of counts) {
      d.set(countPath, count);
      // One change at a time, as shoppers do: each is its own notification.
      await new Promise((r) => setTimeout(r, 50));
    }
    await proxy.line('done', 90_000);
    const values = (await proxy.finished()).filter((l) => l.event === 'value');
    expect(values.map((l) => l.value)).toEqual(['20', ...counts]);
    expect(new Set(values.map((l) => l.device))).toEqual(new Set([deviceIdFor('py-proxy-shelf')]));
  });

  it('pages through connected devices', async () => {
    for (const i of [1, 2, 3, 4]) await device(`py-page-shelf-${i}`);
    const lines = await run('paging').finished();
    const listed = lines.find((l) => l.event === 'devices') as unknown as { ids: string[]; total: number };
    const registered = cloud.registry.all().filter((x) => x.state === 'registered');
    expect(listed.total).toBe(registered.length);
    expect([...listed.ids].sort()).toEqual(registered.map((x) => x.id).sort());
    expect(new Set(listed.ids).size).toBe(listed.ids.length);
  });

  it('reads and writes values, and gets the device 404 as an error for a resource it lacks', async () => {
    const d = await device('py-read-shelf', { '/10341/0/26341': 'rice', [countPath]: '12' });
    const lines = await run('reads', { SHELFPULSE_DEVICE: deviceIdFor('py-read-shelf') }).finished();
    expect(lines.find((l) => l.event === 'value')?.value).toBe('12');
    // Not AttributeError on a missing consumer: the device's answer, as an async error.
    expect(lines.find((l) => l.event === 'missing')?.error).toMatch(/404/);
    expect(lines.find((l) => l.event === 'written')?.value).toBe('7');
    expect(d.values.get(countPath)).toBe('7');
  });

  it('gets the answer of a read sent before its first long poll', async () => {
    await device('py-early-shelf', { [countPath]: '4' });
    const answered = async () =>
      metricValue(
        await cloud.metrics.metrics(),
        'devicecloud_device_requests_total',
        'method="GET",status="200"',
      );
    const before = await answered();
    const early = run('early-answer', { SHELFPULSE_DEVICE: deviceIdFor('py-early-shelf') });
    // The device has answered (counted as it is handed to the channel) before the SDK polls.
    await waitFor('the device answer', async () => (await answered()) > before);
    early.nudge();
    const lines = await early.finished();
    expect(lines.find((l) => l.event === 'value')?.value).toBe('4');
  });

  it('manages pre-subscriptions and subscriptions through the SDK model', async () => {
    await device('py-sub-shelf');
    const id = deviceIdFor('py-sub-shelf');
    const lines = await run('subscriptions', { SHELFPULSE_DEVICE: id }).finished();
    expect(lines.find((l) => l.event === 'presubscriptions')?.rules).toEqual([
      { device_id: 'py-sub-*', device_type: null, resource_paths: [countPath] },
      { device_id: null, device_type: 'smart-shelf', resource_paths: null },
    ]);
    expect(lines.find((l) => l.event === 'subscribed')).toMatchObject({ listed: [countPath], status: true });
    expect(lines.find((l) => l.event === 'unsubscribed')).toMatchObject({ status: false });
    expect(lines.find((l) => l.event === 'cleared')).toMatchObject({ rules: 0 });
  });

  it('registers a webhook after stopping long poll, and delivers to it', async () => {
    const receiver = await WebhookReceiver.start();
    closers.push(() => receiver.close());
    const d = await device('py-hook-shelf', { [countPath]: '9' });
    const hook = run('webhook', {
      SHELFPULSE_DEVICE: deviceIdFor('py-hook-shelf'),
      SHELFPULSE_WEBHOOK: receiver.url,
    });
    expect((await hook.line('webhook')).url).toBe(receiver.url);
    await hook.line('subscribed');
    d.set(countPath, '8');
    const delivered = await waitFor('the change at the webhook', () =>
      receiver.received.find((put) =>
        (put.body as { notifications?: { path: string; payload: string }[] }).notifications?.some(
          (n) => n.path === countPath && n.payload === Buffer.from('8').toString('base64'),
        ),
      ),
    );
    expect(delivered.headers['x-shelf-secret']).toBe('s3cret');
    hook.nudge();
    await hook.finished();
    expect(hook.lines.at(-1)?.event).toBe('deleted');
  });
});
