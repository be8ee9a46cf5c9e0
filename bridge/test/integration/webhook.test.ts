// The webhook against hostile and ordinary input: a wrong secret, junk bodies,
// bad payloads and unknown devices, oversized batches. Every case is a 4xx or
// a counter, the process keeps serving, and good data still arrives.
import { encodeTlv, tlvIntegerBytes } from '@shelfpulse/core/lwm2m/tlv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { countNote, createDatabase, influxql, metricValue, productNote, route, silent } from './helpers.ts';

const env = inject('testenv');
const secret = 'correct-horse-battery-staple';
let app: BridgeApp;
let hook: string;

async function put(
  body: string | Buffer,
  headers: Record<string, string> = { 'x-shelfpulse-secret': secret },
) {
  const response = await fetch(hook, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const malformed = (reason: string) =>
  metricValue(app.metrics, 'shelfpulse_bridge_malformed_notifications_total', { reason });

/** The pick-ups written for a device (204 without a spool means written: queryable now). */
async function pickups(deviceId: string): Promise<unknown[]> {
  const rows = await influxql(
    env.influx.url,
    `SELECT "items" FROM shelf_event WHERE device_id = '${deviceId}' AND kind = 'pickup'`,
    'bw_webhook',
  );
  return rows.map((r) => r[1]);
}

beforeAll(async () => {
  await createDatabase(env.influx.url, 'bw_webhook');
  const config = BridgeConfigSchema.parse({
    listen: { port: 0 },
    webhook: { secret, maxBodyBytes: 64 * 1024 },
    sinks: [
      {
        name: 'main',
        url: env.influx.url,
        database: 'bw_webhook',
        maxBufferPoints: 1000,
        flushIntervalMs: 50,
      },
    ],
    fleets: [route()],
    logLevel: 'silent',
  });
  app = await startBridgeApp(config, { log: silent });
  hook = `${app.url}/notify`;
});

afterAll(async () => {
  await app.close(2000);
});

describe('bridge webhook', () => {
  it('refuses a wrong or missing secret with 401 and takes nothing', async () => {
    const message = JSON.stringify({ notifications: [countNote('shelf-9', 5)] });
    expect((await put(message, { 'x-shelfpulse-secret': 'guess' })).status).toBe(401);
    expect((await put(message, { 'x-shelfpulse-secret': `${secret}x` })).status).toBe(401);
    expect((await put(message, {})).status).toBe(401);
    expect(await metricValue(app.metrics, 'shelfpulse_bridge_notifications_total')).toBe(0);
  });

  it('answers junk with 4xx: not JSON, not a message, too large, wrong method', async () => {
    expect((await put('{"notifications": [')).status).toBe(400);
    expect((await put('{"notifications": "many"}')).status).toBe(400);
    expect((await put(Buffer.alloc(100 * 1024, 'x'))).status).toBe(413);
    // Nested deeper than any notification message: refused before JSON.parse, within the size limit.
    const deep = await put(`{"notifications":${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
    expect(deep).toEqual({ status: 400, text: 'body nests deeper than 16 levels\n' });
    expect((await fetch(hook)).status).toBe(405);
    expect((await fetch(`${app.url}/elsewhere`)).status).toBe(404);
    // The cloud's check of a new callback URL: an empty PUT.
    expect((await put('')).status).toBe(204);
  });

  it('counts bad payloads and unknown devices, and writes the good notifications of the same batch', async () => {
    const t = Date.now() - 1000;
    const result = await put(
      JSON.stringify({
        notifications: [
          productNote('shelf-1', 'oat-milk'),
          countNote('shelf-1', 20, { timestamp: t }),
          { ep: 'shelf-1', path: '/10341/0/26342', ct: 'text/plain', payload: '***' },
          {
            ep: 'shelf-2',
            path: '/10341/0/26342',
            ct: 'text/plain',
            payload: Buffer.from('NaN').toString('base64'),
          },
          { ep: 'shelf-2', path: '/10341/0/26342', ct: 'application/weird', payload: 'MQ==' },
          countNote('intruder-1', 3),
          null,
          countNote('shelf-1', 18, { timestamp: t + 1 }),
        ],
      }),
    );
    expect(result.status).toBe(204);
    expect(await malformed('bad-base64')).toBe(1);
    expect(await malformed('not-a-number')).toBe(1);
    expect(await malformed('unsupported-content-type')).toBe(1);
    expect(await malformed('bad-notification')).toBe(1);
    expect(
      await metricValue(app.metrics, 'shelfpulse_bridge_notifications_total', { result: 'unknown-device' }),
    ).toBe(1);
    expect(await pickups('shelf-1')).toEqual([2]);
  });

  it('reads TLV counts as the simulator encodes them, and counts TLV it cannot read', async () => {
    // The item count inside object instance 0, as a shelf answers an Accept: TLV read.
    const tlvCount = (ep: string, count: number, timestamp: number) => ({
      ...countNote(ep, count, { timestamp }),
      ct: 'application/vnd.oma.lwm2m+tlv',
      payload: encodeTlv([
        {
          kind: 'object-instance',
          id: 0,
          value: Buffer.alloc(0),
          children: [{ kind: 'resource', id: 26342, value: tlvIntegerBytes(count), children: [] }],
        },
      ]).toString('base64'),
    });
    // Object instance > multiple resource > multiple resource > the count 5: deeper than LwM2M nests.
    const tooDeep = Buffer.from([0x07, 0, 0x85, 1, 0x83, 3, 0x41, 0, 5]).toString('base64');
    const t = Date.now() - 1000;
    const result = await put(
      JSON.stringify({
        notifications: [
          productNote('shelf-3', 'oat-milk'),
          tlvCount('shelf-3', 300, t),
          { ...countNote('shelf-3', 0), ct: '11542', payload: tooDeep },
          tlvCount('shelf-3', 296, t + 1),
        ],
      }),
    );
    expect(result.status).toBe(204);
    expect(await malformed('bad-tlv')).toBe(1);
    expect(await pickups('shelf-3')).toEqual([4]);
  });

  it('refuses a batch larger than the whole buffer with 413 instead of taking part of it', async () => {
    const notifications = Array.from({ length: 600 }, (_, i) => countNote(`shelf-${i}`, 5));
    const result = await put(JSON.stringify({ notifications }));
    // 64 KiB body limit is not the reason here: 600 notifications fit in it…
    expect(JSON.stringify({ notifications }).length).toBeLessThan(64 * 1024);
    // …but 600 × 2 points do not fit in a buffer of 1000.
    expect(result.status).toBe(413);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    for (const name of [
      'shelfpulse_bridge_notifications_total',
      'shelfpulse_bridge_points_written_total',
      'shelfpulse_bridge_write_duration_seconds',
      'shelfpulse_bridge_buffer_points',
      'shelfpulse_bridge_points_dropped_total',
      'shelfpulse_bridge_intake_requests_total{code="401"} 3',
    ])
      expect(metrics).toContain(name);
  });
});
