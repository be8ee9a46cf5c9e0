// One CoAP endpoint on one UDP socket (RFC 7252 message layer): confirmable
// requests with retransmission, piggybacked and separate responses, answers to
// incoming requests (with duplicate detection) and confirmable notifications.
// Each shelf has its own because an LwM2M 1.0 server tells clients apart by
// source address and port.
import { createSocket, type Socket } from 'node:dgram';
import { generate, parse, type NamedOption, type ParsedPacket } from 'coap-packet';

export interface Remote {
  address: string;
  port: number;
}

export interface CoapResponse {
  code: string;
  options: NamedOption[];
  payload: Buffer;
}

export interface CoapRequestOut {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  options: NamedOption[];
  payload?: Buffer | undefined;
}

/** Answers an incoming request; runs synchronously so duplicates get the same answer. */
export type RequestHandler = (request: ParsedPacket, remote: Remote) => CoapResponse;

/** The peer answered with Reset: it does not know the exchange (e.g. it restarted). */
export class CoapResetError extends Error {
  constructor() {
    super('peer answered with CoAP Reset');
    this.name = 'CoapResetError';
  }
}

export class CoapTimeoutError extends Error {
  constructor(what: string) {
    super(`no CoAP answer to ${what}`);
    this.name = 'CoapTimeoutError';
  }
}

export interface CoapTiming {
  /** RFC 7252 ACK_TIMEOUT (default 2000 ms); doubled on each retransmission. */
  ackTimeoutMs: number;
  /** RFC 7252 MAX_RETRANSMIT (default 4). */
  maxRetransmit: number;
}

export const defaultCoapTiming: CoapTiming = { ackTimeoutMs: 2000, maxRetransmit: 4 };

interface Exchange {
  messageId: number;
  token: Buffer;
  buffer: Buffer;
  remote: Remote;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  /** Empty ACK received: the response comes later, matched by token. */
  separate: boolean;
  what: string;
  resolve: (response: ParsedPacket) => void;
  reject: (error: Error) => void;
}

const DEDUP_ENTRIES = 32;

export class CoapEndpoint {
  private readonly socket: Socket;
  private readonly timing: CoapTiming;
  private handler: RequestHandler | undefined;
  private nextMessageId = Math.floor(Math.random() * 0x10000);
  private nextToken = Math.floor(Math.random() * 0x1_0000_0000);
  private readonly byMessageId = new Map<number, Exchange>();
  private readonly byToken = new Map<string, Exchange>();
  /** Answers to recent incoming confirmable requests, by message id (FIFO). */
  private readonly answered = new Map<string, Buffer>();
  private closed = false;
  onError: (error: Error) => void = () => undefined;

  private constructor(socket: Socket, timing: CoapTiming) {
    this.socket = socket;
    this.timing = timing;
    socket.on('message', (msg, rinfo) => this.receive(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', (error) => this.onError(error));
  }

  static async open(
    bindAddress: string | undefined,
    timing: CoapTiming = defaultCoapTiming,
  ): Promise<CoapEndpoint> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new CoapEndpoint(socket, timing);
  }

  get port(): number {
    return this.socket.address().port;
  }

  handle(handler: RequestHandler): void {
    this.handler = handler;
  }

  /** Sends a confirmable request and resolves with the response (any code). */
  request(remote: Remote, request: CoapRequestOut, what: string): Promise<ParsedPacket> {
    return this.sendConfirmable(remote, what, (messageId, token) =>
      generate({
        code: request.method,
        messageId,
        token,
        confirmable: true,
        options: request.options,
        payload: request.payload ?? Buffer.alloc(0),
      }),
    );
  }

  /** Sends a confirmable notification (a response with an existing token); resolves on ACK. */
  notify(remote: Remote, token: Buffer, response: CoapResponse): Promise<void> {
    const existing = token;
    return this.sendConfirmable(
      remote,
      'notification',
      (messageId) =>
        generate({
          code: response.code,
          messageId,
          token: existing,
          confirmable: true,
          options: response.options,
          payload: response.payload,
        }),
      existing,
    ).then(() => undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const exchange of this.byMessageId.values())
      this.finish(exchange, new Error('CoAP endpoint closed'));
    for (const exchange of this.byToken.values()) this.finish(exchange, new Error('CoAP endpoint closed'));
    this.socket.close();
  }

  private sendConfirmable(
    remote: Remote,
    what: string,
    build: (messageId: number, token: Buffer) => Buffer,
    token?: Buffer,
  ): Promise<ParsedPacket> {
    if (this.closed) return Promise.reject(new Error('CoAP endpoint closed'));
    const messageId = this.nextMessageId;
    this.nextMessageId = (this.nextMessageId + 1) & 0xffff;
    const ownToken = token ?? this.newToken();
    return new Promise<ParsedPacket>((resolve, reject) => {
      const exchange: Exchange = {
        messageId,
        token: ownToken,
        buffer: build(messageId, ownToken),
        remote,
        attempts: 0,
        timer: undefined,
        separate: false,
        what,
        resolve,
        reject,
      };
      this.byMessageId.set(messageId, exchange);
      // Notifications reuse the observer's token; only requests wait for a response by token.
      if (!token) this.byToken.set(ownToken.toString('hex'), exchange);
      this.transmit(exchange);
    });
  }

  private transmit(exchange: Exchange): void {
    const { ackTimeoutMs, maxRetransmit } = this.timing;
    // RFC 7252 §4.2: initial timeout random in [ACK_TIMEOUT, 1.5 × ACK_TIMEOUT], doubling.
    const timeout = ackTimeoutMs * (1 + Math.random() * 0.5) * 2 ** exchange.attempts;
    this.send(exchange.buffer, exchange.remote);
    exchange.timer = setTimeout(() => {
      exchange.attempts++;
      if (exchange.attempts > maxRetransmit) this.finish(exchange, new CoapTimeoutError(exchange.what));
      else this.transmit(exchange);
    }, timeout);
  }

  private finish(exchange: Exchange, result: ParsedPacket | Error): void {
    clearTimeout(exchange.timer);
    this.byMessageId.delete(exchange.messageId);
    if (this.byToken.get(exchange.token.toString('hex')) === exchange)
      this.byToken.delete(exchange.token.toString('hex'));
    if (result instanceof Error) exchange.reject(result);
    else exchange.resolve(result);
  }

  private newToken(): Buffer {
    const token = Buffer.alloc(4);
    token.writeUInt32BE(this.nextToken);
    this.nextToken = (this.nextToken + 1) >>> 0;
    return token;
  }

  private send(buffer: Buffer, remote: Remote): void {
    if (this.closed) return;
    this.socket.send(buffer, remote.port, remote.address, (error) => {
      if (error) this.onError(error);
    });
  }

  private receive(message: Buffer, remote: Remote): void {
    let packet: ParsedPacket;
    try {
      packet = parse(message);
    } catch {
      return; // not CoAP: ignore, as RFC 7252 §4.2 allows
    }
    if (packet.code === '0.00') this.receiveEmpty(packet, remote);
    else if (packet.code.startsWith('0.')) this.receiveRequest(packet, remote);
    else this.receiveResponse(packet, remote);
  }

  private receiveEmpty(packet: ParsedPacket, remote: Remote): void {
    const exchange = this.byMessageId.get(packet.messageId);
    if (packet.reset) {
      if (exchange) this.finish(exchange, new CoapResetError());
    } else if (packet.ack) {
      if (!exchange) return;
      if (this.byToken.get(exchange.token.toString('hex')) === exchange) {
        // Separate response to a request: stop retransmitting, wait for it by token.
        clearTimeout(exchange.timer);
        this.byMessageId.delete(exchange.messageId);
        exchange.separate = true;
        exchange.timer = setTimeout(
          () => this.finish(exchange, new CoapTimeoutError(exchange.what)),
          this.timing.ackTimeoutMs * 2 ** (this.timing.maxRetransmit + 1),
        );
      } else {
        this.finish(exchange, packet); // an acknowledged notification
      }
    } else if (packet.confirmable) {
      this.sendEmpty(packet.messageId, 'reset', remote); // CoAP ping
    }
  }

  private receiveResponse(packet: ParsedPacket, remote: Remote): void {
    if (packet.ack) {
      const exchange = this.byMessageId.get(packet.messageId);
      if (exchange && exchange.token.equals(packet.token)) this.finish(exchange, packet);
      return;
    }
    const exchange = this.byToken.get(packet.token.toString('hex'));
    if (exchange) {
      if (packet.confirmable) this.sendEmpty(packet.messageId, 'ack', remote);
      this.finish(exchange, packet);
    } else if (packet.confirmable) {
      this.sendEmpty(packet.messageId, 'reset', remote);
    }
  }

  private receiveRequest(packet: ParsedPacket, remote: Remote): void {
    const key = `${remote.address}:${remote.port}/${packet.messageId}`;
    const earlier = packet.confirmable ? this.answered.get(key) : undefined;
    if (earlier) {
      this.send(earlier, remote);
      return;
    }
    let response: CoapResponse;
    try {
      response = this.handler
        ? this.handler(packet, remote)
        : { code: '5.01', options: [], payload: Buffer.alloc(0) };
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
      response = { code: '5.00', options: [], payload: Buffer.alloc(0) };
    }
    const buffer = generate({
      code: response.code,
      messageId: packet.confirmable ? packet.messageId : this.takeMessageId(),
      token: packet.token,
      ack: packet.confirmable,
      options: response.options,
      payload: response.payload,
    });
    if (packet.confirmable) {
      this.answered.set(key, buffer);
      if (this.answered.size > DEDUP_ENTRIES) this.answered.delete(this.answered.keys().next().value ?? '');
    }
    this.send(buffer, remote);
  }

  private takeMessageId(): number {
    const id = this.nextMessageId;
    this.nextMessageId = (this.nextMessageId + 1) & 0xffff;
    return id;
  }

  private sendEmpty(messageId: number, kind: 'ack' | 'reset', remote: Remote): void {
    this.send(
      generate({ code: '0.00', messageId, ack: kind === 'ack', reset: kind === 'reset', confirmable: false }),
      remote,
    );
  }
}
