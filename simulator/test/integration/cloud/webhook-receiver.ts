// An HTTP server standing in for an application's webhook endpoint: it records
// every PUT, can be told to fail the next N deliveries, and hands each body on.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPut {
  at: number;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
}

export class WebhookReceiver {
  readonly received: ReceivedPut[] = [];
  /** Deliveries still to be answered with 500. */
  failNext = 0;
  /** How long to hold each answer after recording the PUT, as a busy receiver does. */
  answerDelayMs = 0;
  onBody: (body: unknown) => void = () => undefined;
  private readonly server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body: unknown = text ? JSON.parse(text) : undefined;
        const status = receiver.failNext > 0 ? 500 : 200;
        if (status === 500) receiver.failNext--;
        receiver.received.push({ at: Date.now(), headers: req.headers, body, status });
        setTimeout(() => {
          res.writeHead(status).end();
          if (status === 200) receiver.onBody(body);
        }, receiver.answerDelayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
