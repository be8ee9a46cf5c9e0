// A scripted LwM2M server side for protocol checks of one shelf client: it
// answers the registration interface and sends reads/observations, recording
// every packet. The real device-cloud emulator is used in the integration tests.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { generate, parse, type ParsedPacket } from 'coap-packet';
import { optionUint, optionValues, uriPath } from '../../../src/shelf/coap-options.ts';

export interface Received {
  packet: ParsedPacket;
  from: RemoteInfo;
}

export class Lwm2mTestServer {
  readonly received: Received[] = [];
  /** Code to answer registration updates with (e.g. '4.04' to forget the client). */
  updateCode = '2.04';
  /** Answer confirmable notifications with Reset instead of ACK. */
  resetNotifications = false;
  private readonly socket: Socket;
  private waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  private messageId = 100;
  private registrations = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (msg, from) => this.receive({ packet: parse(msg), from }));
  }

  static async start(): Promise<Lwm2mTestServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new Lwm2mTestServer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Resolves with the first packet (already received or future) that matches. */
  waitFor(match: (r: Received) => boolean, skip = 0): Promise<Received> {
    const earlier = this.received.filter(match)[skip];
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve) => {
      let seen = this.received.filter(match).length;
      this.waiters.push({
        match: (r) => match(r) && seen++ >= skip,
        resolve,
      });
    });
  }

  /** Sends a confirmable request to a client and resolves with the piggybacked response. */
  async request(
    to: RemoteInfo,
    code: string,
    path: string,
    options: { observe?: number; accept?: number; token?: Buffer } = {},
  ): Promise<ParsedPacket> {
    const messageId = this.messageId++;
    const opts = [
      ...(options.observe === undefined
        ? []
        : [
            {
              name: 'Observe' as const,
              value: options.observe === 0 ? Buffer.alloc(0) : Buffer.from([options.observe]),
            },
          ]),
      ...path
        .split('/')
        .filter(Boolean)
        .map((p) => ({ name: 'Uri-Path' as const, value: Buffer.from(p) })),
      ...(options.accept === undefined ? [] : [{ name: 'Accept' as const, value: uint(options.accept) }]),
    ];
    const answer = this.waitFor((r) => r.packet.ack && r.packet.messageId === messageId);
    this.socket.send(
      generate({
        code,
        messageId,
        token: options.token ?? Buffer.from([messageId & 0xff, 7]),
        confirmable: true,
        options: opts,
      }),
      to.port,
      to.address,
    );
    return (await answer).packet;
  }

  close(): void {
    this.socket.close();
  }

  private receive(r: Received): void {
    this.received.push(r);
    const p = r.packet;
    const path = uriPath(p).join('/');
    if (p.code === '0.02' && path === 'rd') {
      this.registrations++;
      this.reply(r, '2.01', [
        { name: 'Location-Path', value: Buffer.from('rd') },
        { name: 'Location-Path', value: Buffer.from(`r${this.registrations}`) },
      ]);
    } else if (p.code === '0.02' && path.startsWith('rd/')) {
      this.reply(r, this.updateCode);
    } else if (p.code === '0.04' && path.startsWith('rd/')) {
      this.reply(r, '2.02');
    } else if (p.code.startsWith('2.') && p.confirmable) {
      const empty = generate({
        code: '0.00',
        messageId: p.messageId,
        ack: !this.resetNotifications,
        reset: this.resetNotifications,
      });
      this.socket.send(empty, r.from.port, r.from.address);
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(r)) return true;
      w.resolve(r);
      return false;
    });
  }

  private reply(r: Received, code: string, options: { name: 'Location-Path'; value: Buffer }[] = []): void {
    const buffer = generate({
      code,
      messageId: r.packet.messageId,
      token: r.packet.token,
      ack: true,
      options,
    });
    this.socket.send(buffer, r.from.port, r.from.address);
  }
}

export function uint(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from(bytes);
}

export const isRegister = (r: Received): boolean =>
  r.packet.code === '0.02' && uriPath(r.packet).join('/') === 'rd';
export const isUpdate = (r: Received): boolean =>
  r.packet.code === '0.02' && uriPath(r.packet)[0] === 'rd' && uriPath(r.packet).length === 2;
export const isDelete = (r: Received): boolean => r.packet.code === '0.04';
export const isNotification = (r: Received): boolean => r.packet.code === '2.05' && r.packet.confirmable;
export const query = (r: Received): string[] => optionValues(r.packet, 'Uri-Query').map((v) => v.toString());
export const observeOf = (p: ParsedPacket): number | undefined => optionUint(p, 'Observe');
