// The shelf's LwM2M client against a scripted server: the wire format of
// registration, reads, observations, updates, re-registration and de-registration.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeTlv, tlvInteger } from '@shelfpulse/core/lwm2m/tlv';
import { optionUint, optionValues } from '../../../src/shelf/coap-options.ts';
import { ShelfClient, type ShelfClientOptions } from '../../../src/shelf/shelf-client.ts';
import {
  isDelete,
  isNotification,
  isRegister,
  isUpdate,
  Lwm2mTestServer,
  observeOf,
  query,
} from './lwm2m-test-server.ts';

let server: Lwm2mTestServer | undefined;
let client: ShelfClient | undefined;

afterEach(async () => {
  await client?.stop({ deregister: false });
  server?.close();
  client = undefined;
  server = undefined;
});

async function setup(
  overrides: Partial<ShelfClientOptions> = {},
): Promise<{ server: Lwm2mTestServer; client: ShelfClient }> {
  server = await Lwm2mTestServer.start();
  client = new ShelfClient({
    endpoint: 'aisle7-shelf-3',
    endpointType: 'smart-shelf',
    productId: 'soap-500g',
    lifetimeSeconds: 300,
    manufacturer: 'ShelfPulse',
    model: 'shelf-sim',
    firmwareVersion: '0.1.0',
    server: { address: '127.0.0.1', port: server.port },
    bindAddress: '127.0.0.1',
    initialCount: 24,
    timing: { ackTimeoutMs: 100, maxRetransmit: 2 },
    retryMinMs: 50,
    ...overrides,
  });
  await client.start();
  return { server, client };
}

describe('ShelfClient (LwM2M 1.0 over CoAP)', () => {
  it('registers with its endpoint name, lifetime, binding and objects', async () => {
    const { server, client } = await setup();
    const registered = new Promise((resolve) => client.once('registered', resolve));
    const reg = await server.waitFor(isRegister);
    expect(reg.packet.confirmable).toBe(true);
    expect(query(reg)).toEqual(['ep=aisle7-shelf-3', 'lt=300', 'lwm2m=1.0', 'b=U', 'et=smart-shelf']);
    expect(optionUint(reg.packet, 'Content-Format')).toBe(40);
    expect(reg.packet.payload.toString()).toBe(
      '</1/0>,</3/0>,</10341/0>,</10341/0/26341>,</10341/0/26342>;obs,</10341/0/26343>;obs',
    );
    expect(await registered).toBe('/rd/r1');
    expect(client.state).toBe('registered');
  });

  it('answers reads of the shelf and device objects in text and TLV', async () => {
    const { server } = await setup();
    const { from } = await server.waitFor(isRegister);
    const product = await server.request(from, 'GET', '/10341/0/26341');
    expect(product.code).toBe('2.05');
    expect(optionUint(product, 'Content-Format')).toBe(0);
    expect(product.payload.toString()).toBe('soap-500g');
    expect((await server.request(from, 'GET', '/10341/0/26342')).payload.toString()).toBe('24');
    expect((await server.request(from, 'GET', '/10341/0/26343')).payload.toString()).toBe('0');
    const tlvCount = await server.request(from, 'GET', '/10341/0/26342', { accept: 11542 });
    expect(optionUint(tlvCount, 'Content-Format')).toBe(11542);
    expect(tlvInteger(decodeTlv(tlvCount.payload)[0]!.value)).toBe(24);
    const device = await server.request(from, 'GET', '/3/0');
    const byId = new Map(decodeTlv(device.payload).map((e) => [e.id, e]));
    expect(byId.get(0)?.value.toString()).toBe('ShelfPulse');
    expect(byId.get(1)?.value.toString()).toBe('shelf-sim');
    expect(byId.get(2)?.value.toString()).toBe('aisle7-shelf-3');
    expect(byId.get(3)?.value.toString()).toBe('0.1.0');
    expect((await server.request(from, 'GET', '/10341/1/26342')).code).toBe('4.04');
    expect((await server.request(from, 'GET', '/10341/0/26342', { accept: 11543 })).code).toBe('4.06');
    expect((await server.request(from, 'PUT', '/10341/0/26342')).code).toBe('4.05');
  });

  it('sends a confirmable notification, in order, for every count change', async () => {
    const { server, client } = await setup();
    const { from } = await server.waitFor(isRegister);
    const first = await server.request(from, 'GET', '/10341/0/26342', {
      observe: 0,
      token: Buffer.from('c0un7'),
    });
    expect(first.payload.toString()).toBe('24');
    const firstSeq = observeOf(first)!;
    expect(firstSeq).toBeGreaterThan(0);
    await server.request(from, 'GET', '/10341/0/26343', { observe: 0, token: Buffer.from('emp7y') });
    for (const count of [23, 21, 22, 0, 24]) client.setCount(count);
    const notes = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => server.waitFor(isNotification, i)));
    const counts = notes.filter((n) => n.packet.token.toString() === 'c0un7');
    expect(counts.map((n) => n.packet.payload.toString())).toEqual(['23', '21', '22', '0', '24']);
    const seqs = counts.map((n) => observeOf(n.packet)!);
    expect(seqs[0]).toBeGreaterThan(firstSeq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    // The empty flag is notified only when it flips: to 1 at count 0, back to 0 at 24.
    const flags = notes.filter((n) => n.packet.token.toString() === 'emp7y');
    expect(flags.map((n) => n.packet.payload.toString())).toEqual(['1', '0']);
    await expect.poll(() => client.counters.notifications).toBe(7);
  });

  it('stops notifying when the server cancels the observation', async () => {
    const { server, client } = await setup();
    const { from } = await server.waitFor(isRegister);
    await server.request(from, 'GET', '/10341/0/26342', { observe: 0, token: Buffer.from('t1') });
    client.setCount(20);
    await server.waitFor(isNotification);
    await server.request(from, 'GET', '/10341/0/26342', { observe: 1, token: Buffer.from('t1') });
    expect(client.observationCount).toBe(0);
    client.setCount(19);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.received.filter(isNotification)).toHaveLength(1);
  });

  it('updates its registration before the lifetime ends and registers again after 4.04', async () => {
    const { server, client } = await setup({ lifetimeSeconds: 1 });
    await server.waitFor(isRegister);
    const update = await server.waitFor(isUpdate);
    expect(optionValues(update.packet, 'Uri-Path').map(String)).toEqual(['rd', 'r1']);
    server.updateCode = '4.04';
    const again = await server.waitFor(isRegister, 1);
    expect(query(again)[0]).toBe('ep=aisle7-shelf-3');
    await expect.poll(() => client.counters.registrations).toBe(2);
    expect(client.state).toBe('registered');
  });

  it('checks its registration when a notification is reset, and registers again when forgotten', async () => {
    const { server, client } = await setup();
    const { from } = await server.waitFor(isRegister);
    await server.request(from, 'GET', '/10341/0/26342', { observe: 0 });
    server.resetNotifications = true;
    server.updateCode = '4.04';
    client.setCount(10);
    await server.waitFor(isUpdate);
    await server.waitFor(isRegister, 1);
    expect(client.observationCount).toBe(0);
  });

  it('de-registers on stop', async () => {
    const { server, client } = await setup();
    await new Promise((resolve) => client.once('registered', resolve));
    await client.stop();
    const del = await server.waitFor(isDelete);
    expect(optionValues(del.packet, 'Uri-Path').map(String)).toEqual(['rd', 'r1']);
    expect(client.state).toBe('stopped');
  });

  it('keeps retrying registration while the server does not answer', async () => {
    const silent = await Lwm2mTestServer.start();
    const port = silent.port;
    silent.close(); // nothing listens on this port now
    const { client } = await setup({ server: { address: '127.0.0.1', port } });
    await expect.poll(() => client.counters.errors, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(client.state).toBe('registering');
  });
});
