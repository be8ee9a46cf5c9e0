// A small JSON client for the Kubernetes API over node:https. Objects are sent
// as they are (server-side apply, status writes, custom resources), with no
// typed models in between that could drop fields.
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { KubeConnection } from './connection.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }>;
    creationTimestamp?: string;
  };
  [key: string]: unknown;
}

export interface KubeList<T> {
  metadata: { resourceVersion: string; continue?: string };
  /** null when the list is empty (the API server sends that for metadata-only lists). */
  items: T[] | null;
}

/** An error answer of the API server: status code, reason and its message. */
export class KubeError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeError';
    this.status = status;
    this.reason = reason;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeError && e.status === 409;
export const isForbidden = (e: unknown): boolean => e instanceof KubeError && e.status === 403;

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  accept?: string;
  /** Whole-request timeout; watches pass 0 and handle silence themselves. */
  timeoutMs?: number;
}

export interface KubeClientOptions {
  /**
   * Who calls, as `<name>/<version>` (e.g. shelfpulse-bridge/0.1.0): audit logs
   * show it, and writes without an explicit field manager are recorded in
   * managedFields under its name.
   */
  userAgent?: string;
}

export class KubeClient {
  readonly connection: KubeConnection;
  readonly userAgent: string;

  constructor(connection: KubeConnection, options: KubeClientOptions = {}) {
    this.connection = connection;
    this.userAgent = options.userAgent ?? 'shelfpulse';
  }

  /** Sends a request and resolves with the response stream once the status line arrives. */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const url = new URL(path, this.connection.server);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      ...(await this.connection.headers()),
      accept: options.accept ?? 'application/json',
      'user-agent': this.userAgent,
      ...(body === undefined
        ? {}
        : {
            'content-type': options.contentType ?? 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          }),
    };
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        { method, headers, agent: this.connection.agent, signal: options.signal },
        resolve,
      );
      const timeoutMs = options.timeoutMs ?? 30_000;
      if (timeoutMs > 0)
        req.setTimeout(timeoutMs, () =>
          req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
        );
      req.on('error', reject);
      req.end(body);
    });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorOf(method, path, status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T extends KubeObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  list<T extends KubeObject>(
    path: string,
    query: RequestOptions['query'] = {},
    accept?: string,
  ): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, { query, ...(accept ? { accept } : {}) });
  }

  /** Server-side apply: the field manager owns exactly the fields in `object`. */
  apply<T extends KubeObject>(
    path: string,
    object: KubeObject,
    fieldManager: string,
    force = true,
  ): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager, force },
    });
  }

  /** A JSON merge patch, recorded under `fieldManager` (by default the user agent's name). */
  mergePatch<T extends KubeObject>(path: string, patch: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager },
    });
  }

  jsonPatch<T extends KubeObject>(path: string, patch: unknown[]): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: 'application/json-patch+json' });
  }

  create<T extends KubeObject>(path: string, object: KubeObject): Promise<T> {
    return this.request<T>('POST', path, { body: object });
  }

  async delete(path: string, body?: unknown): Promise<void> {
    await this.request('DELETE', path, { body });
  }
}

export function errorOf(method: string, path: string, status: number, text: string): KubeError {
  let reason = http.STATUS_CODES[status] ?? 'Error';
  let message = text;
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    reason = parsed.reason ?? reason;
    message = parsed.message ?? message;
  } catch {
    // not a Status object; keep the text
  }
  return new KubeError(status, reason, `${method} ${path}: ${status} ${message}`);
}
