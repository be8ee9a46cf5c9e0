// Proves that bad input gets a clear 4xx (HTTP) or 4.xx (CoAP) answer, is
// counted in /metrics, and never takes the emulator down: malformed JSON,
// oversized bodies, bad async ids, invalid registrations, garbage datagrams.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import { metricValue, waitFor } from './helpers.ts';
import { api, errorBody } from './http-client.ts';
import { TestDevice } from './test-device.ts';

const key = 'ak-hostile-input-key';
const maxBodyBytes = 4096;

describe('hostile input', () => {
  let cloud: DeviceCloud;
  let shelf: TestDevice;
  let id: string;
  const call = (method: string, path: string, options: Parameters<typeof api>[3] = {}) =>
    api(cloud.url, method, path, { key, ...options });
  const rejected = async (reason: string) =>
    metricValue(await cloud.metrics.metrics(), 'devicecloud_http_rejected_total', `reason="${reason}"`);
  const coapRejected = async (reason: string) =>
    metricValue(await cloud.metrics.metrics(), 'devicecloud_coap_rejected_total', `reason="${reason}"`);

  beforeAll(async () => {
    cloud = await startDeviceCloud({ apiKeys: [key], http: { maxBodyBytes }, logLevel: 'silent' });
    shelf = await TestDevice.start({ endpoint: 'hostile-shelf', server: cloud.coap });
    await shelf.register();
    id = deviceIdFor('hostile-shelf');
  });

  afterAll(async () => {
    await shelf?.close();
    await cloud?.close();
  });

  it('answers malformed JSON with 400 and counts it', async () => {
    const targets: [string, string][] = [
      ['PUT', '/v2/subscriptions'],
      ['PUT', '/v2/notification/callback'],
      ['POST', `/v2/device-requests/${id}?async-id=json-1`],
    ];
    for (const [method, path] of targets) {
      for (const raw of ['{"url":', 'not json at all', '']) {
        const res = await call(method, path, { raw, headers: { 'content-type': 'application/json' } });
        expect(res.status, `${method} ${path} ${JSON.stringify(raw)}`).toBe(400);
        expect(res.json).toEqual(errorBody(400));
      }
    }
    expect(await rejected('malformed_json')).toBe(9);
  });

  it('answers bodies of the wrong shape with 400 naming the field', async () => {
    const presub = await call('PUT', '/v2/subscriptions', { body: [{ 'resource-path': 'not-a-list' }] });
    expect(presub.status).toBe(400);
    expect((presub.json as { message: string }).message).toMatch(/resource-path/);
    const hook = await call('PUT', '/v2/notification/callback', { body: { url: 'ftp://example.invalid/x' } });
    expect(hook.status).toBe(400);
    expect((hook.json as { message: string }).message).toMatch(/url/);
    const req = await call('POST', `/v2/device-requests/${id}?async-id=shape-1`, {
      body: { method: 'PATCH', uri: '/10341/0/26342', 'payload-b64': '%%%' },
    });
    expect(req.status).toBe(400);
    expect((req.json as { message: string }).message).toMatch(/method/);
    expect((req.json as { message: string }).message).toMatch(/payload-b64/);
    const path = await call('POST', `/v2/device-requests/${id}?async-id=shape-2`, {
      body: { method: 'GET', uri: '../../etc/passwd' },
    });
    expect(path.status).toBe(400);
    expect(await rejected('invalid_body')).toBe(3);
  });

  it('answers oversized bodies with 413, with or without a declared length', async () => {
    const big = Buffer.alloc(maxBodyBytes * 4, 0x20);
    const declared = await call('PUT', '/v2/subscriptions', {
      raw: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(declared.status).toBe(413);
    expect(declared.json).toEqual(errorBody(413));

    const url = new URL(`${cloud.url}/v2/subscriptions`);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'PUT',
          headers: { authorization: `Bearer ${key}` },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write(Buffer.alloc(maxBodyBytes / 2, 0x20)); // no content-length: chunked
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual(errorBody(413));
    expect(await rejected('body_too_large')).toBe(2);
  });

  it('answers bad async ids with 400', async () => {
    const body = { method: 'GET', uri: '/10341/0/26342' };
    for (const query of [
      '',
      '?async-id=',
      '?async-id=has%20space',
      `?async-id=${'x'.repeat(65)}`,
      '?async-id=a/b',
    ]) {
      const res = await call('POST', `/v2/device-requests/${id}${query}`, { body });
      expect(res.status, query).toBe(400);
      expect(res.json).toEqual(errorBody(400));
    }
    expect(await rejected('bad_async_id')).toBe(5);
  });

  it('answers bad paths, queries and requests with 4xx', async () => {
    expect((await call('GET', '/v2/endpoints/%E0%A4%A')).status).toBe(400);
    expect((await call('GET', '/v3/devices?limit=1')).status).toBe(400);
    expect((await call('GET', '/v3/devices?limit=lots')).status).toBe(400);
    expect((await call('GET', '/v3/devices?order=SIDEWAYS')).status).toBe(400);
    expect((await call('GET', '/v3/devices?after=nope')).status).toBe(400);
    expect((await call('GET', '/v2/no-such-api')).status).toBe(404);
    expect((await call('PATCH', '/v2/subscriptions')).status).toBe(405);
    const raw = connect(Number(new URL(cloud.url).port), '127.0.0.1');
    raw.end('THIS IS NOT HTTP\r\n\r\n');
    const [answer] = (await once(raw, 'data')) as [Buffer];
    expect(answer.toString()).toMatch(/^HTTP\/1\.1 400/);
    raw.destroy();
  });

  it('answers invalid CoAP registrations with 4.xx and a diagnostic, and counts them', async () => {
    const cases: {
      query: string;
      links?: string;
      format?: string;
      code: string;
      reason: string;
      says: RegExp;
    }[] = [
      { query: 'lt=60&lwm2m=1.0', code: '4.00', reason: 'invalid_registration', says: /ep/ },
      { query: 'ep=x&lt=soon', code: '4.00', reason: 'invalid_registration', says: /lt/ },
      { query: 'ep=x&lt=0', code: '4.00', reason: 'invalid_registration', says: /lt/ },
      { query: 'ep=x&b=Z', code: '4.00', reason: 'invalid_registration', says: /binding/ },
      { query: `ep=${'e'.repeat(200)}`, code: '4.00', reason: 'invalid_registration', says: /128/ },
      { query: 'ep=x&ep=y', code: '4.00', reason: 'bad_query', says: /repeated/ },
      { query: 'ep=x&lwm2m=9.9', code: '4.12', reason: 'unsupported_version', says: /9\.9/ },
      { query: 'ep=x', links: '<<garbage', code: '4.00', reason: 'bad_link_format', says: /link format/ },
      { query: 'ep=x', links: '', code: '4.00', reason: 'no_objects', says: /objects/ },
      {
        query: 'ep=x',
        format: 'text/plain',
        code: '4.15',
        reason: 'bad_content_format',
        says: /link-format/,
      },
    ];
    for (const c of cases) {
      const res = await shelf.send(
        {
          method: 'POST',
          pathname: '/rd',
          query: c.query,
          options: { 'Content-Format': c.format ?? 'application/link-format' },
        },
        c.links ?? '</10341/0>',
      );
      expect(res.code, c.query).toBe(c.code);
      expect(res.payload.toString(), c.query).toMatch(c.says);
    }
    expect(await coapRejected('invalid_registration')).toBe(5);
    expect(await coapRejected('unsupported_version')).toBe(1);
    expect(await coapRejected('bad_content_format')).toBe(1);

    expect((await shelf.send({ method: 'POST', pathname: '/rd/not-a-location' })).code).toBe('4.04');
    expect((await shelf.send({ method: 'GET', pathname: '/rd' })).code).toBe('4.05');
    expect((await shelf.send({ method: 'POST', pathname: '/bs' })).code).toBe('4.04');
    expect(await coapRejected('unknown_location')).toBe(1);
  });

  it('refuses registrations beyond device.maxDevices with 4.03, but still renews known devices', async () => {
    const small = await startDeviceCloud({ apiKeys: [key], device: { maxDevices: 2 }, logLevel: 'silent' });
    const devices = await Promise.all(
      ['cap-1', 'cap-2', 'cap-3'].map((endpoint) => TestDevice.start({ endpoint, server: small.coap })),
    );
    try {
      expect((await devices[0]!.register()).code).toBe('2.01');
      expect((await devices[1]!.register()).code).toBe('2.01');
      const refused = await devices[2]!.register();
      expect(refused.code).toBe('4.03');
      expect(refused.payload.toString()).toMatch(/full/);
      expect((await devices[0]!.register()).code).toBe('2.01'); // a known device re-registers
      expect(
        metricValue(
          await small.metrics.metrics(),
          'devicecloud_coap_rejected_total',
          'reason="device_limit"',
        ),
      ).toBe(1);
    } finally {
      for (const d of devices) await d.close();
      await small.close();
    }
  });

  it('survives garbage datagrams and keeps serving both sides', async () => {
    const socket = createSocket('udp4');
    for (const garbage of [Buffer.from([0xff]), Buffer.from('hello, not coap'), Buffer.alloc(3000, 0xaa)]) {
      socket.send(garbage, cloud.coap.port, cloud.coap.host);
    }
    await waitFor('the datagrams to be counted', async () => (await coapRejected('malformed_packet')) >= 3);
    socket.close();
    expect((await shelf.register()).code).toBe('2.01');
    expect((await call('GET', `/v2/endpoints/${id}`)).status).toBe(200);
    expect((await api(cloud.url, 'GET', '/healthz')).json).toEqual({ status: 'ok' });
  });
});
