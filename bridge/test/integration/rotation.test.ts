// Credentials rotated under a running bridge process, the way the kubelet
// updates a mounted Secret (support/secret-volume.ts), with no restart:
// - long poll: the device cloud (a test server that accepts one key at a time)
//   revokes the old key as the file changes; the next pulls carry the new key.
//   InfluxDB (real, authentication on) changes the writer's password before the
//   file does; the writes refused meanwhile keep their points, and the next
//   writes after the file change use the new password. Every point arrives.
// - webhook: a new secret is registered with the cloud again (with the new API
//   key, rotated with it), accepted at once, and the old one still for the
//   grace period, not after it.
// - a MetricSink whose Secret changed: the running writer takes the new
//   credentials and keeps the points InfluxDB refused meanwhile.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort, influxql, startInfluxd, type Influxd } from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, makeBridge, metricValue, route, sink } from './helpers.ts';
import { ShelfLoad, type Truth } from './shelf-load.ts';
import { spawnBridge } from './bridge-process.ts';
import { secretVolume } from '../support/secret-volume.ts';

const env = inject('testenv');
const admin = { username: 'admin', password: 'admin-password' };

/** The device cloud's side: pulls answered in turn from a queue, webhook registrations recorded. */
class CloudStub {
  validKey = 'key-1';
  readonly pulls: { key: string; atMs: number; status: number }[] = [];
  readonly registrations: Record<string, string>[] = [];
  private readonly queue: object[] = [];
  private server: Server | undefined;

  offer(message: object): void {
    this.queue.push(message);
  }

  get queued(): number {
    return this.queue.length;
  }

  async start(): Promise<string> {
    this.server = createServer(
      (req, res) =>
        void this.handle(req).then(([code, body]) => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        }),
    );
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown?]> {
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const path = (req.url ?? '').split('?')[0];
    if (path === '/v2/notification/pull') {
      const status = key === this.validKey ? (this.queue.length ? 200 : 204) : 401;
      this.pulls.push({ key, atMs: Date.now(), status });
      if (status === 401) return [401, { code: 401, message: 'invalid api key' }];
      if (status === 204) {
        await new Promise((r) => setTimeout(r, 100));
        return [204];
      }
      return [200, this.queue.shift()];
    }
    if (key !== this.validKey) return [401, { code: 401, message: 'invalid api key' }];
    if (req.method === 'PUT' && path === '/v2/notification/callback') {
      this.registrations.push((JSON.parse(body) as { headers: Record<string, string> }).headers);
      return [204];
    }
    return [404, { code: 404, message: 'not here' }];
  }
}

async function stopBridge(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The shelves' first counts name the devices, as the cloud's registrations do. */
function withRegistrations(notifications: object[]): object {
  return { registrations: notifications.map((n) => ({ ep: (n as { ep: string }).ep })), notifications };
}

async function metric(url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => line.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function assertExactAsAdmin(url: string, db: string, truth: Truth): Promise<void> {
  const headers = {
    authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
  };
  const value = async (q: string): Promise<unknown[]> =>
    (await influxql(url, q, { db, headers }))[0]?.values[0] ?? [];
  expect((await value('SELECT count("count") FROM product_count'))[1]).toBe(truth.counts);
  for (const kind of ['pickup', 'putback', 'restock'] as const) {
    const row = await value(`SELECT count("items"), sum("items") FROM shelf_event WHERE "kind" = '${kind}'`);
    expect({ kind, events: row[1] ?? 0, items: row[2] ?? 0 }).toEqual({ kind, ...truth[kind] });
  }
}

describe('credentials rotated under a running bridge', () => {
  let influx: Influxd;
  const cloud = new CloudStub();
  let cloudUrl: string;
  const asAdmin = (q: string): Promise<unknown> =>
    influxql(influx.url, q, {
      headers: {
        authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
      },
    });

  beforeAll(async () => {
    influx = await startInfluxd(env.workDir, { admin });
    cloudUrl = await cloud.start();
  });
  afterAll(async () => {
    await cloud.stop();
    await influx?.stop();
  });

  it('long poll: the next pull uses the new API key, the next write the new password, and no point is lost', async () => {
    const db = 'rotation';
    await asAdmin(`CREATE DATABASE "${db}"`);
    await asAdmin(`CREATE USER "writer" WITH PASSWORD 'password-1'`);
    await asAdmin(`GRANT ALL ON "${db}" TO "writer"`);
    const dir = mkdtempSync(join(env.workDir, 'bridge-rotation-'));
    const secrets = secretVolume({ 'api-key': 'key-1', 'writer-password': 'password-1' }, dir);
    const configFile = join(dir, 'bridge.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        mode: 'long-poll',
        cloud: { apiUrl: cloudUrl },
        sinks: [
          {
            name: 'main',
            url: influx.url,
            database: db,
            username: 'writer',
            flushIntervalMs: 100,
            retryInitialMs: 100,
            retryMaxMs: 500,
          },
        ],
        fleets: [route({ placements: [] })],
        productWaitMs: 0,
        healthIntervalMs: 0,
        placementEffect: { intervalMs: 0 },
      }),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const bridge = await spawnBridge(['--config', configFile, '--port', String(port)], {
      BRIDGE_CLOUD_API_KEY_FILE: secrets.path('api-key'),
      BRIDGE_SINK_MAIN_PASSWORD_FILE: secrets.path('writer-password'),
    });
    try {
      const load = new ShelfLoad(20, 'shelf-', 5);
      cloud.offer(withRegistrations(load.baseline()));
      const feed = async (batches: number): Promise<void> => {
        for (let i = 0; i < batches; i++) cloud.offer({ notifications: load.batch(10) });
        await eventually(async () => cloud.queued === 0, 20_000);
      };
      await feed(10);
      expect(cloud.pulls.some((p) => p.key === 'key-1' && p.status === 200)).toBe(true);

      // The cloud revokes the old key as the Secret changes.
      const rotatedAt = Date.now();
      cloud.validKey = 'key-2';
      secrets.update({ 'api-key': 'key-2', 'writer-password': 'password-1' });
      await feed(10);
      await new Promise((r) => setTimeout(r, 2500));
      await feed(10);
      // Within a read of the file (1 s) plus a pull, every pull carries the new key and gets data.
      const late = cloud.pulls.filter((p) => p.atMs > rotatedAt + 2500);
      expect(late.filter((p) => p.key !== 'key-2')).toEqual([]);
      expect(late.filter((p) => p.status === 200).length).toBeGreaterThan(0);

      // InfluxDB changes the password before the kubelet updates the file: writes are refused.
      await asAdmin(`SET PASSWORD FOR "writer" = 'password-2'`);
      // Without a spool a pulled batch is taken only once written: the pulls wait meanwhile.
      for (let i = 0; i < 10; i++) cloud.offer({ notifications: load.batch(10) });
      await eventually(
        async () => (await metric(url, /^shelfpulse_bridge_write_retries_total\{.*status="401"/)) > 0,
      );
      // Nothing refused was dropped: the points wait in the buffer.
      expect(await metric(url, /^shelfpulse_bridge_points_dropped_total/)).toBe(0);
      expect(await metric(url, /^shelfpulse_bridge_buffer_points\{sink="main"\}/)).toBeGreaterThan(0);
      secrets.update({ 'api-key': 'key-2', 'writer-password': 'password-2' });
      await feed(10);

      // Everything, the points refused during the rotation included, is in InfluxDB once.
      await eventually(async () => {
        await assertExactAsAdmin(influx.url, db, load.truth);
        return true;
      }, 20_000).catch(() => undefined);
      await assertExactAsAdmin(influx.url, db, load.truth);
      expect(await metric(url, /^shelfpulse_bridge_points_dropped_total/)).toBe(0);
    } finally {
      await stopBridge(bridge);
    }
  });

  it('webhook: a new secret is registered again and accepted at once, the old one for the grace period only', async () => {
    const db = 'rotation_webhook';
    await asAdmin(`CREATE DATABASE "${db}"`);
    const dir = mkdtempSync(join(env.workDir, 'bridge-rotation-webhook-'));
    cloud.validKey = 'webhook-key-1';
    const secrets = secretVolume(
      { 'webhook-secret': 'first-secret-0123456789', 'api-key': 'webhook-key-1' },
      dir,
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const configFile = join(dir, 'bridge.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        webhook: { publicUrl: `${url}/notify`, previousSecretGraceMs: 3000 },
        cloud: { apiUrl: cloudUrl },
        sinks: [
          { name: 'main', url: influx.url, database: db, username: admin.username, flushIntervalMs: 100 },
        ],
        fleets: [route({ placements: [] })],
        productWaitMs: 0,
        healthIntervalMs: 0,
        placementEffect: { intervalMs: 0 },
      }),
    );
    const bridge = await spawnBridge(['--config', configFile, '--port', String(port)], {
      BRIDGE_WEBHOOK_SECRET_FILE: secrets.path('webhook-secret'),
      BRIDGE_CLOUD_API_KEY_FILE: secrets.path('api-key'),
      // Plain values keep working next to files.
      BRIDGE_SINK_MAIN_PASSWORD: admin.password,
    });
    const put = async (secret: string, message: object): Promise<number> => {
      const response = await fetch(`${url}/notify`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-shelfpulse-secret': secret },
        body: JSON.stringify(message),
      });
      await response.body?.cancel();
      return response.status;
    };
    try {
      const registered = (): string[] => cloud.registrations.map((h) => h['x-shelfpulse-secret'] ?? '');
      expect(registered()).toContain('first-secret-0123456789');
      const load = new ShelfLoad(10, 'shelf-', 9);
      expect(await put('first-secret-0123456789', withRegistrations(load.baseline()))).toBe(204);

      // Key and secret rotated at once, the old key revoked: the new secret can only be
      // registered with the new key.
      cloud.validKey = 'webhook-key-2';
      secrets.update({ 'webhook-secret': 'second-secret-0123456789', 'api-key': 'webhook-key-2' });
      await eventually(async () => registered().at(-1) === 'second-secret-0123456789', 10_000);
      const rotatedAt = Date.now();
      expect(await put('second-secret-0123456789', { notifications: load.batch(10) })).toBe(204);
      // A delivery the cloud sent (or retries) with the old secret is still taken.
      expect(await put('first-secret-0123456789', { notifications: load.batch(10) })).toBe(204);
      expect(Date.now() - rotatedAt).toBeLessThan(3000);
      expect(await put('not-the-secret-0123456789', { notifications: [] })).toBe(401);
      // After the grace period only the new one.
      await new Promise((r) => setTimeout(r, 3000 - (Date.now() - rotatedAt) + 200));
      expect(await put('first-secret-0123456789', { notifications: [] })).toBe(401);
      expect(await put('second-secret-0123456789', { notifications: load.batch(10) })).toBe(204);
      await eventually(async () => {
        await assertExactAsAdmin(influx.url, db, load.truth);
        return true;
      }, 10_000).catch(() => undefined);
      await assertExactAsAdmin(influx.url, db, load.truth);
    } finally {
      await stopBridge(bridge);
    }
  });

  it('a MetricSink Secret rotated: the running writer takes the new password and keeps what InfluxDB refused', async () => {
    const db = 'rotation_metricsink';
    await asAdmin(`CREATE DATABASE "${db}"`);
    await asAdmin(`CREATE USER "sink_writer" WITH PASSWORD 'old-password'`);
    await asAdmin(`GRANT ALL ON "${db}" TO "sink_writer"`);
    const config = (password: string) =>
      sink({ url: influx.url, database: db, username: 'sink_writer', password, retryMaxMs: 300 });
    const { bridge, metrics } = makeBridge({ sinks: [config('old-password')] });
    try {
      const load = new ShelfLoad(10, 'shelf-', 3);
      expect(await bridge.ingest({ notifications: load.baseline() })).toBe('accepted');
      await asAdmin(`SET PASSWORD FOR "sink_writer" = 'new-password'`);
      // Without a spool a batch is accepted once written: this one waits for the new password.
      const waiting = bridge.ingest({ notifications: load.batch(20) });
      await eventually(
        async () =>
          (await metricValue(metrics, 'shelfpulse_bridge_write_retries_total', { status: '401' })) > 0,
      );
      const writer = bridge.sinks.get('main');
      // What KubeRouting hands over when the MetricSink's Secret changed.
      bridge.updateSinks([config('new-password')]);
      expect(bridge.sinks.get('main')).toBe(writer);
      expect(await waiting).toBe('accepted');
      await assertExactAsAdmin(influx.url, db, load.truth);
      expect(await metricValue(metrics, 'shelfpulse_bridge_points_dropped_total')).toBe(0);
    } finally {
      await bridge.close(1000);
    }
  });
});
