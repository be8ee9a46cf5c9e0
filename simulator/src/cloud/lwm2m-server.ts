// The LwM2M 1.0/1.1 registration interface over CoAP/UDP (register, update,
// de-register). Bad registrations get a CoAP error with a diagnostic payload
// and are counted; nothing a client sends can take the server down.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, type OutgoingMessage, type Server } from 'coap';
import { parse as parseCoapPacket } from 'coap-packet';
import type { Logger } from 'pino';
import { contentFormatName } from '../lwm2m/content-format.ts';
import { LinkFormatError, parseLinkFormat, type Link } from '../lwm2m/link-format.ts';
import {
  RegisterQuerySchema,
  UpdateQuerySchema,
  describeQueryError,
  queryRecord,
} from '../lwm2m/registration-query.ts';
import type { DeviceRegistry } from './device-registry.ts';
import type { Metrics } from './metrics.ts';

export interface Lwm2mServer {
  host: string;
  port: number;
  /** Sends requests from the server's socket (see DeviceLink). */
  agent: Agent;
  close(): Promise<void>;
}

class CoapError extends Error {
  readonly code: string;
  readonly reason: string;
  constructor(code: string, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

// LwM2M 1.1 clients (Leshan 2.x, Zephyr, Anjay) register with lwm2m=1.1 and
// speak the same registration interface over UDP; what 1.1 adds beyond it
// (SenML and CBOR payloads, Send, composite operations, TCP) is not served.
const supportedVersions = new Set(['1.0', '1.1']);

function parseQuery(url: string): Record<string, string> {
  const q = url.indexOf('?');
  try {
    return queryRecord(q < 0 ? '' : url.slice(q + 1));
  } catch (err) {
    throw new CoapError('4.00', 'bad_query', (err as Error).message);
  }
}

function parseLinks(req: IncomingMessage, required: boolean): Link[] | undefined {
  if (req.payload.length === 0) {
    if (required)
      throw new CoapError('4.00', 'no_objects', 'registration payload must list the objects (link format)');
    return undefined;
  }
  const format = req.headers['Content-Format'];
  if (format !== undefined && contentFormatName(format) !== 'application/link-format') {
    throw new CoapError('4.15', 'bad_content_format', 'registration payload must be application/link-format');
  }
  try {
    const links = parseLinkFormat(req.payload.toString('utf8'));
    if (required && links.length === 0) {
      throw new CoapError('4.00', 'no_objects', 'registration payload lists no objects');
    }
    return links;
  } catch (err) {
    if (err instanceof LinkFormatError)
      throw new CoapError('4.00', 'bad_link_format', `link format: ${err.message}`);
    throw err;
  }
}

function handle(
  req: IncomingMessage,
  res: OutgoingMessage,
  registry: DeviceRegistry,
  maxDevices: number,
  log: Logger,
): () => void {
  const path = req.url.split('?')[0]!.replace(/\/+$/, '');
  const address = { host: req.rsinfo.address, port: req.rsinfo.port };
  const segments = path.split('/').filter(Boolean);
  if (segments[0] !== 'rd' || segments.length > 2)
    throw new CoapError('4.04', 'unknown_path', `no resource ${path}`);

  if (segments.length === 1) {
    if (req.method !== 'POST') throw new CoapError('4.05', 'bad_method', `${req.method} not allowed on /rd`);
    const parsed = RegisterQuerySchema.safeParse(parseQuery(req.url));
    if (!parsed.success)
      throw new CoapError('4.00', 'invalid_registration', describeQueryError(parsed.error));
    const q = parsed.data;
    if (!supportedVersions.has(q.lwm2m)) {
      throw new CoapError(
        '4.12',
        'unsupported_version',
        `LwM2M version ${q.lwm2m} is not supported (1.0 and 1.1 are)`,
      );
    }
    const links = parseLinks(req, true)!;
    if (registry.isNew(q.ep) && registry.size >= maxDevices) {
      throw new CoapError('4.03', 'device_limit', `the directory is full (${maxDevices} devices)`);
    }
    const device = registry.register({
      endpointName: q.ep,
      endpointType: q.et,
      lifetimeSeconds: q.lt,
      binding: q.b,
      lwm2mVersion: q.lwm2m,
      address,
      links,
    });
    log.info({ ep: q.ep, id: device.id, address }, 'registered');
    res.code = '2.01';
    res.setOption('Location-Path', [Buffer.from('rd'), Buffer.from(device.location)]);
    res.end();
    return () => registry.announce('registered', device);
  }

  const device = registry.byLocationPath(segments[1]!);
  if (!device) throw new CoapError('4.04', 'unknown_location', `no registration at ${path}`);
  if (req.method === 'POST') {
    const parsed = UpdateQuerySchema.safeParse(parseQuery(req.url));
    if (!parsed.success) throw new CoapError('4.00', 'invalid_update', describeQueryError(parsed.error));
    const links = parseLinks(req, false);
    registry.update(device, { lifetimeSeconds: parsed.data.lt, binding: parsed.data.b, links, address });
    res.code = '2.04';
    res.end();
    return () => registry.announce('updated', device);
  }
  if (req.method === 'DELETE') {
    registry.deregister(device);
    log.info({ ep: device.endpointName, id: device.id }, 'de-registered');
    res.code = '2.02';
    res.end();
    return () => registry.announce('deregistered', device);
  }
  throw new CoapError('4.05', 'bad_method', `${req.method} not allowed on ${path}`);
}

export async function startLwm2mServer(options: {
  host: string;
  port: number;
  maxDevices: number;
  registry: DeviceRegistry;
  metrics: Metrics;
  log: Logger;
}): Promise<Lwm2mServer> {
  const { registry, metrics, log } = options;
  const socket: Socket = createSocket({ type: 'udp4' });
  socket.on('error', (err) => log.error({ err }, 'CoAP socket error'));
  // node-coap drops datagrams that are not CoAP on its own; count them here.
  socket.on('message', (msg, from) => {
    try {
      parseCoapPacket(msg);
    } catch {
      metrics.coapRejected.inc({ reason: 'malformed_packet' });
      log.warn({ from, bytes: msg.length }, 'datagram is not a CoAP message');
    }
  });
  socket.bind(options.port, options.host);
  await once(socket, 'listening');
  const server: Server = createServer({ type: 'udp4' });
  server.on('error', (err: Error) => log.error({ err }, 'CoAP server error'));
  server.on('request', (req: IncomingMessage, res: OutgoingMessage) => {
    let announce: (() => void) | undefined;
    try {
      announce = handle(req, res, registry, options.maxDevices, log);
      metrics.registrations.inc({
        kind: { '2.01': 'register', '2.04': 'update', '2.02': 'deregister' }[res.code],
      });
    } catch (err) {
      const coapError =
        err instanceof CoapError ? err : new CoapError('5.00', 'internal_error', 'internal server error');
      if (!(err instanceof CoapError)) log.error({ err }, 'CoAP request failed');
      metrics.coapRejected.inc({ reason: coapError.reason });
      log.warn(
        { url: req.url, from: req.rsinfo, code: coapError.code, reason: coapError.message },
        'CoAP request refused',
      );
      res.code = coapError.code;
      res.end(Buffer.from(coapError.message, 'utf8'));
      return;
    }
    // Only after the response has gone out, so a client sees its registration
    // acknowledged before the first request from the server arrives.
    try {
      announce();
    } catch (err) {
      log.error({ err }, 'handling a registration event failed');
    }
  });
  server.listen(socket);
  const agent = new Agent({ socket });
  const address = socket.address();
  return {
    host: address.address,
    port: address.port,
    agent,
    close: async () => {
      // With a socket it does not own, the agent never calls back from close();
      // it does abort what is in flight, which is what matters here.
      agent.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
