// The Connect API over node:http: routing, Bearer authentication, and one place
// where every failure becomes the service's error body. /metrics and /healthz
// need no key.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ApiError } from './api-error.ts';
import { parseJson, readBody } from './http-body.ts';
import type { Metrics } from './metrics.ts';
import type { Reply, RequestContext, Route } from './route.ts';

export interface HttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Reply, requestId: string, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (close) headers['connection'] = 'close';
  let body: string | undefined;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] = 'application/json';
  } else if (reply.text !== undefined) {
    body = reply.text;
    headers['content-type'] = reply.contentType ?? 'text/plain';
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}

function bearerKey(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export async function startHttpServer(options: {
  host: string;
  port: number;
  apiKeys: readonly string[];
  maxBodyBytes: number;
  routes: Route[];
  metrics: Metrics;
  log: Logger;
}): Promise<HttpServer> {
  const { metrics, log, routes } = options;
  const keys = new Set(options.apiKeys);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomBytes(16).toString('hex');
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    let routeName = 'unmatched';
    let closeAfter = false;
    const aborter = new AbortController();
    res.on('close', () => aborter.abort());
    let reply: Reply;
    try {
      if (method === 'GET' && url.pathname === '/healthz') {
        routeName = '/healthz';
        reply = { status: 200, json: { status: 'ok' } };
      } else if (method === 'GET' && url.pathname === '/metrics') {
        routeName = '/metrics';
        reply = {
          status: 200,
          text: await metrics.registry.metrics(),
          contentType: metrics.registry.contentType,
        };
      } else {
        const candidates = routes.filter((r) => r.pattern.test(url.pathname));
        const route = candidates.find((r) => r.method === method);
        if (!route) {
          req.resume();
          throw candidates.length > 0
            ? new ApiError(405, `${method} is not allowed on ${url.pathname}`, { reason: 'bad_method' })
            : new ApiError(404, `no such API: ${url.pathname}`, { reason: 'unknown_path' });
        }
        routeName = route.name;
        const apiKey = bearerKey(req);
        if (apiKey === undefined || !keys.has(apiKey)) {
          req.resume();
          throw new ApiError(401, apiKey === undefined ? 'missing Bearer API key' : 'invalid API key', {
            reason: 'unauthorized',
          });
        }
        let bodyPromise: Promise<Buffer> | undefined;
        const body = (): Promise<Buffer> => (bodyPromise ??= readBody(req, options.maxBodyBytes));
        const params = route.pattern
          .exec(url.pathname)!
          .slice(1)
          .map((p) => decodeURIComponent(p ?? ''));
        const ctx: RequestContext = {
          req,
          query: url.searchParams,
          apiKey,
          signal: aborter.signal,
          params,
          body,
          json: async () => parseJson(await body()),
        };
        reply = await route.handle(ctx);
        if (!bodyPromise) req.resume();
      }
    } catch (err) {
      const apiError =
        err instanceof ApiError
          ? err
          : err instanceof URIError
            ? new ApiError(400, 'malformed percent-encoding in the path', { reason: 'bad_path' })
            : new ApiError(500, 'internal error');
      if (apiError.status === 500) log.error({ err, method, path: url.pathname }, 'request failed');
      if (apiError.reason) metrics.httpRejected.inc({ reason: apiError.reason });
      // A body we refused to read must not be parsed as the next request.
      closeAfter = apiError.status === 413;
      reply = { status: apiError.status, json: apiError.body(requestId) };
    }
    metrics.httpRequests.inc({ method, route: routeName, status: String(reply.status) });
    send(res, reply, requestId, closeAfter);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'unhandled HTTP failure');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('clientError', (err, socket) => {
    metrics.httpRejected.inc({ reason: 'bad_http' });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy(err);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.address}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
