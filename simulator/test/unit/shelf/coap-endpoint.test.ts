// The CoAP message layer of a shelf: separate responses, retransmission,
// duplicate detection, pings and Resets (RFC 7252), against a raw UDP peer.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { generate, parse, type ParsedPacket } from 'coap-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { CoapEndpoint, CoapResetError, CoapTimeoutError } from '../../../src/shelf/coap-endpoint.ts';

let peer: Socket | undefined;
let endpoint: CoapEndpoint | undefined;
afterEach(() => {
  endpoint?.close();
  peer?.close();
  endpoint = undefined;
  peer = undefined;
});

async function setup(): Promise<{
  peer: Socket;
  endpoint: CoapEndpoint;
  remote: { address: string; port: number };
}> {
  peer = createSocket('udp4');
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  endpoint = await CoapEndpoint.open('127.0.0.1', { ackTimeoutMs: 60, maxRetransmit: 2 });
  return { peer, endpoint, remote: { address: '127.0.0.1', port: peer.address().port } };
}

function next(socket: Socket): Promise<{ packet: ParsedPacket; from: RemoteInfo }> {
  return new Promise((resolve) =>
    socket.once('message', (msg, from) => resolve({ packet: parse(msg), from })),
  );
}

const empty = (messageId: number, kind: 'ack' | 'reset') =>
  generate({ code: '0.00', messageId, ack: kind === 'ack', reset: kind === 'reset' });

describe('CoapEndpoint', () => {
  it('takes a separate response: empty ACK first, the response later as CON, which it acknowledges', async () => {
    const { peer, endpoint, remote } = await setup();
    const request = endpoint.request(remote, { method: 'POST', options: [] }, 'test');
    const { packet, from } = await next(peer);
    peer.send(empty(packet.messageId, 'ack'), from.port, from.address);
    await new Promise((r) => setTimeout(r, 200)); // longer than the retransmission timeout: no resend
    const ackOfResponse = next(peer);
    peer.send(
      generate({ code: '2.01', messageId: 999, token: packet.token, confirmable: true }),
      from.port,
      from.address,
    );
    expect((await request).code).toBe('2.01');
    const ack = (await ackOfResponse).packet;
    expect(ack).toMatchObject({ code: '0.00', ack: true, messageId: 999 });
  });

  it('retransmits a confirmable request with the same message id, then gives up', async () => {
    const { peer, endpoint, remote } = await setup();
    const seen: ParsedPacket[] = [];
    peer.on('message', (msg) => seen.push(parse(msg)));
    await expect(
      endpoint.request(remote, { method: 'GET', options: [] }, 'ping test'),
    ).rejects.toBeInstanceOf(CoapTimeoutError);
    expect(seen).toHaveLength(3); // the first transmission and MAX_RETRANSMIT = 2
    expect(new Set(seen.map((p) => p.messageId)).size).toBe(1);
  });

  it('answers a duplicate request with the same response without handling it twice', async () => {
    const { peer, endpoint } = await setup();
    let handled = 0;
    endpoint.handle(() => ({ code: '2.05', options: [], payload: Buffer.from(String(++handled)) }));
    const request = generate({ code: 'GET', messageId: 77, token: Buffer.from([9]), confirmable: true });
    const first = next(peer);
    peer.send(request, endpoint.port, '127.0.0.1');
    expect((await first).packet).toMatchObject({ code: '2.05', ack: true, messageId: 77 });
    const second = next(peer);
    peer.send(request, endpoint.port, '127.0.0.1');
    expect((await second).packet.payload.toString()).toBe('1');
    expect(handled).toBe(1);
  });

  it('answers a CoAP ping with Reset and ignores datagrams that are not CoAP', async () => {
    const { peer, endpoint } = await setup();
    endpoint.handle(() => ({ code: '2.05', options: [], payload: Buffer.alloc(0) }));
    peer.send(Buffer.from([0xff, 0x00]), endpoint.port, '127.0.0.1');
    const pong = next(peer);
    peer.send(generate({ code: '0.00', messageId: 5, confirmable: true }), endpoint.port, '127.0.0.1');
    expect((await pong).packet).toMatchObject({ code: '0.00', reset: true, messageId: 5 });
  });

  it('rejects a notification the peer resets', async () => {
    const { peer, endpoint, remote } = await setup();
    const sent = endpoint.notify(remote, Buffer.from([1, 2]), {
      code: '2.05',
      options: [],
      payload: Buffer.from('3'),
    });
    const { packet, from } = await next(peer);
    expect(packet).toMatchObject({ code: '2.05', confirmable: true });
    peer.send(empty(packet.messageId, 'reset'), from.port, from.address);
    await expect(sent).rejects.toBeInstanceOf(CoapResetError);
  });
});
