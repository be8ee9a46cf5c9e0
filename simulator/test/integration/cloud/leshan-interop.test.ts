// Interop with a third-party LwM2M client: Eclipse Leshan 2.x (the reference
// implementation, from Maven Central, built once by hack/ensure-leshan-client.sh)
// registers with lwm2m=1.1 and objects and instances only; the emulator must
// take it, read it, observe it and see it de-register.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceCloud, type DeviceCloud } from '../../../src/cloud/device-cloud.ts';
import { deviceIdFor } from '../../../src/cloud/device-registry.ts';
import type { NotificationMessage } from '../../../src/cloud/notification-message.ts';
import { waitFor } from './helpers.ts';
import { api } from './http-client.ts';

const key = 'ak-leshan-interop-1';
const endpoint = 'leshan-interop-shelf';
const ensureScript = fileURLToPath(new URL('../../../../hack/ensure-leshan-client.sh', import.meta.url));

describe('Eclipse Leshan client against the emulator', () => {
  let cloud: DeviceCloud;
  let client: ReturnType<typeof spawn> | undefined;
  let output = '';
  const id = deviceIdFor(endpoint);
  const call = (method: string, path: string, body?: unknown) => api(cloud.url, method, path, { key, body });
  const messages: NotificationMessage[] = [];
  const pullUntil = (what: string, done: () => boolean) =>
    waitFor(
      what,
      async () => {
        const res = await call('GET', '/v2/notification/pull');
        if (res.status === 200) messages.push(res.json as NotificationMessage);
        return done();
      },
      30_000,
    );

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(ensureScript, { encoding: 'utf8' });
    const classPath = stdout.trim().split('\n').at(-1)!;
    cloud = await startDeviceCloud({ apiKeys: [key], longPoll: { timeoutMs: 300 }, logLevel: 'silent' });
    expect((await call('GET', '/v2/notification/pull')).status).toBe(204); // the channel
    client = spawn('java', [
      '-cp',
      classPath,
      'io.shelfpulse.interop.LeshanShelfClient',
      `coap://${cloud.coap.host}:${cloud.coap.port}`,
      endpoint,
    ]);
    client.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    client.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  }, 300_000);

  afterAll(async () => {
    client?.kill();
    await cloud?.close();
  });

  it('registers with LwM2M 1.1', async () => {
    const device = await waitFor(
      `the Leshan client to register (${output})`,
      () => cloud.registry.getRegistered(id),
      60_000,
    );
    expect(device.lwm2mVersion).toBe('1.1');
    expect(device.endpointName).toBe(endpoint);
    await pullUntil('the registration event', () =>
      messages.some((m) => m.registrations?.some((r) => r.ep === id)),
    );
  });

  it('answers reads in the format asked for, and in its own without one', async () => {
    expect(
      (
        await call('POST', `/v2/device-requests/${id}?async-id=manufacturer-text`, {
          method: 'GET',
          uri: '/3/0/0',
          accept: 'text/plain',
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await call('POST', `/v2/device-requests/${id}?async-id=manufacturer-any`, {
          method: 'GET',
          uri: '/3/0/0',
        })
      ).status,
    ).toBe(202);
    expect(
      (await call('POST', `/v2/device-requests/${id}?async-id=missing`, { method: 'GET', uri: '/3/0/9999' }))
        .status,
    ).toBe(202);
    const answers = () => messages.flatMap((m) => m['async-responses'] ?? []);
    await pullUntil('three answers', () => answers().length >= 3);
    const byId = Object.fromEntries(answers().map((a) => [a.id, a]));
    expect(byId['manufacturer-text']).toMatchObject({ status: 200, ct: 'text/plain' });
    expect(Buffer.from(byId['manufacturer-text']!.payload!, 'base64').toString()).toBe('ShelfPulse interop');
    // Without Accept a 1.1 client picks its format (SenML or TLV): passed through untouched.
    expect(byId['manufacturer-any']!.status).toBe(200);
    expect(Buffer.from(byId['manufacturer-any']!.payload!, 'base64').toString('latin1')).toContain(
      'ShelfPulse interop',
    );
    expect(byId['missing']!.status).toBe(404);
  });

  it('observes a resource and delivers its value, and reports a resource it refuses to observe', async () => {
    expect((await call('PUT', `/v2/subscriptions/${id}/3/0/0`)).status).toBe(200);
    await pullUntil('the first value of the observation', () =>
      messages.some((m) => m.notifications?.some((n) => n.ep === id && n.path === '/3/0/0')),
    );
    // Leshan's Device object has no current time (/3/0/13): its 4.04 is the subscriber's answer.
    const refused = await call('PUT', `/v2/subscriptions/${id}/3/0/13`);
    expect(refused.status).toBe(404);
    expect((refused.json as { message: string }).message).toMatch(/refused.*4\.04/);
    expect((await call('GET', `/v2/subscriptions/${id}`)).text).toBe('/3/0/0\n');
  });

  it('sees it de-register', async () => {
    client?.stdin?.end();
    await pullUntil('the de-registration', () => messages.some((m) => m['de-registrations']?.includes(id)));
    expect(cloud.registry.get(id)?.state).toBe('deregistered');
  });
});
