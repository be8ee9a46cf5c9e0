// The bridge's HTTP side: the webhook the device cloud PUTs notification
// batches to, and /metrics, /healthz, /readyz. A batch is answered 204 only
// when it is durable (spooled, or written to InfluxDB without a spool);
// otherwise the device cloud keeps it and redelivers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Bridge } from './bridge.ts';
import type { BridgeMetrics } from './metrics.ts';
import { NotificationMessageSchema, type NotificationMessage } from './notification.ts';
import { nestsDeeperThan } from './json-depth.ts';
import type { Credential } from './credential.ts';

export interface HttpServerOptions {
  bridge: Bridge;
  metrics: BridgeMetrics;
  log: Logger;
  host: string;
  port: number;
  /** Webhook on this path, when a secret is set (webhook mode). */
  webhook?: { path: string; secret: Credential; header: string; maxBodyBytes: number } | undefined;
  /** Every accepted batch also goes here (async responses for the SDK's reads). */
  onMessage?: (message: NotificationMessage) => void;
  /** Extra readiness condition (e.g. the notification channel is registered). */
  ready?: () => boolean;
  /** Whether this replica takes notifications now (it holds the lease); others answer 503. */
  active?: () => boolean;
}

class BodyTooLarge extends Error {}

/** A NotificationMessage nests four levels; the margin is for fields the cloud may add. */
const maxJsonDepth = 16;

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class BridgeHttpServer {
  private readonly options: HttpServerOptions;
  private readonly server: Server;
  private closing = false;

  constructor(options: HttpServerOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        options.log.error({ err: error }, 'request failed');
        if (!res.headersSent) this.reply(res, 500, 'internal error');
      });
    });
    // Keep-alive connections from the cloud must not hold a graceful stop.
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${this.options.host}:${address.port}`;
  }

  /** Stops accepting connections; requests in flight finish. */
  /**
   * Stops accepting connections; requests in flight finish. A client that keeps
   * a keep-alive connection busy (the cloud retrying) would hold the close
   * open, so answers now say `connection: close`, and whatever is still open
   * after `graceMs` is cut.
   */
  async close(graceMs = 30_000): Promise<void> {
    this.closing = true;
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    clearTimeout(timer);
  }

  private reply(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
    if (this.options.webhook && res.req.url?.split('?')[0] === this.options.webhook.path)
      this.options.metrics.intakeRequests.inc({ code: String(code) });
    res.writeHead(code, {
      'content-type': 'text/plain; charset=utf-8',
      ...(this.closing ? { connection: 'close' } : {}),
      ...headers,
    });
    res.end(code === 204 ? undefined : `${text}\n`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const { bridge, webhook } = this.options;
    if (req.method === 'GET' && path === '/healthz') return this.reply(res, 200, 'ok');
    if (req.method === 'GET' && path === '/readyz') {
      // A standby is Ready too (as the operator's is): Kubernetes must be able to
      // roll replicas while another holds the Lease. The Service reaches only the
      // holder, by the label it carries; the body says which role this one has.
      // The holder is Ready only once its channel is there: until then the cloud
      // drops notifications (a shelf's first count among them), so `helm --wait`
      // and rollouts wait for it.
      if (!bridge.accepting()) return this.reply(res, 503, 'not ready: buffers full');
      if (!(this.options.active?.() ?? true)) return this.reply(res, 200, 'standby');
      if (!(this.options.ready?.() ?? true))
        return this.reply(
          res,
          503,
          'not ready: notification channel not registered with the device cloud yet',
        );
      return this.reply(res, 200, 'ready');
    }
    if (req.method === 'GET' && path === '/metrics') {
      const registry = this.options.metrics.registry;
      res.writeHead(200, {
        'content-type': registry.contentType,
        ...(this.closing ? { connection: 'close' } : {}),
      });
      res.end(await registry.metrics());
      return;
    }
    if (!webhook || path !== webhook.path) return this.reply(res, 404, 'not found');
    if (req.method !== 'PUT' && req.method !== 'POST')
      return this.reply(res, 405, 'use PUT', { allow: 'PUT, POST' });
    if (!webhook.secret.matches(req.headers[webhook.header])) {
      req.resume();
      return this.reply(res, 401, 'wrong or missing secret');
    }
    let body: string;
    try {
      body = await readBody(req, webhook.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return this.reply(res, 413, `body larger than ${webhook.maxBodyBytes} bytes`, {
          connection: 'close',
        });
      throw error;
    }
    // The cloud checks a new callback URL with an empty PUT (or an empty JSON
    // object): every replica answers it, leader or not, since it carries no data.
    if (body.trim() === '' || /^\{\s*\}$/.test(body.trim())) return this.reply(res, 204, '');
    if (!(this.options.active?.() ?? true))
      return this.reply(res, 503, 'standby replica: another one holds the lease', { 'retry-after': '1' });
    if (nestsDeeperThan(body, maxJsonDepth))
      return this.reply(res, 400, `body nests deeper than ${maxJsonDepth} levels`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return this.reply(res, 400, 'body is not JSON');
    }
    const parsed = NotificationMessageSchema.safeParse(json);
    if (!parsed.success)
      return this.reply(res, 400, `not a NotificationMessage: ${parsed.error.issues[0]?.message ?? ''}`);
    this.options.onMessage?.(parsed.data);
    const result = await bridge.ingest(parsed.data, body);
    if (result === 'accepted') return this.reply(res, 204, '');
    if (result === 'busy') return this.reply(res, 503, 'buffers full, retry later', { 'retry-after': '1' });
    return this.reply(res, 413, 'batch larger than the buffer');
  }
}
