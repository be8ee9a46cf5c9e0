// What a route handler sees and returns; the HTTP plumbing lives in http-server.ts.
import type { IncomingMessage } from 'node:http';
import type { Channels } from './channels.ts';
import type { DeviceCloudConfig } from './config.ts';
import type { ConnectService } from './connect-service.ts';
import type { DeviceRegistry } from './device-registry.ts';
import type { Subscriptions } from './subscriptions.ts';

export interface RequestContext {
  req: IncomingMessage;
  query: URLSearchParams;
  /** The API key the request authenticated with. */
  apiKey: string;
  /** Aborted when the client goes away before the answer. */
  signal: AbortSignal;
  /** Path captures of the route's pattern, URL-decoded. */
  params: string[];
  body(): Promise<Buffer>;
  json(): Promise<unknown>;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  pattern: RegExp;
  /** Label for metrics and logs, e.g. "/v2/subscriptions/{id}/{path}". */
  name: string;
  handle(ctx: RequestContext): Promise<Reply> | Reply;
}

export interface RouteDeps {
  registry: DeviceRegistry;
  subscriptions: Subscriptions;
  channels: Channels;
  service: ConnectService;
  config: DeviceCloudConfig;
}
