// Sends one batch of line protocol to InfluxDB and classifies the answer, so
// the sink writer can decide: done, retry later, or isolate rejected points.
// Credentials are taken anew for every write; a 401/403 reads the credential
// files again and, when they changed (a rotation), sends once more at once.
// Still refused, it is a retry: the points stay buffered until it is fixed.
import { gzip as gzipCallback } from 'node:zlib';
import { promisify } from 'node:util';
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import type { SinkConfig } from './sink-config.ts';
import { refreshSinkCredentials, sinkAuthorization, sinkToken } from './sink-credentials.ts';

const gzip = promisify(gzipCallback);

export type WriteResult =
  | { kind: 'ok' }
  /** Network error, timeout, 5xx, 429, or a 4xx that only a person can fix (auth, missing database). */
  | { kind: 'retry'; status: number; message: string; retryAfterMs?: number | undefined }
  /** 400/413: something in the batch is bad; `partialDropped` when InfluxDB wrote the rest itself. */
  | { kind: 'reject'; status: number; message: string; partialDropped?: number | undefined };

export interface InfluxTarget {
  write(lines: string[]): Promise<WriteResult>;
}

export function classify(status: number, body: string, retryAfter?: string | null): WriteResult {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const message = body.slice(0, 500);
  if (status === 400 || status === 413 || status === 422) {
    // InfluxDB 1.x writes the good points of a batch and says how many it dropped.
    const partial = /partial write:.*dropped=(\d+)/s.exec(body);
    // "unable to parse" lines are dropped but not always counted in dropped=.
    const unparsed = body.split('unable to parse').length - 1;
    return {
      kind: 'reject',
      status,
      message,
      partialDropped: partial ? Math.max(Number(partial[1]), unparsed) : undefined,
    };
  }
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  return {
    kind: 'retry',
    status,
    message,
    retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : undefined,
  };
}

function networkFailure(error: unknown): WriteResult {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: 'retry', status: 0, message };
}

/** InfluxDB 1.x /write with precision=u. */
export class V1Target implements InfluxTarget {
  private readonly url: string;
  private readonly config: SinkConfig;

  constructor(config: SinkConfig) {
    this.config = config;
    const params = new URLSearchParams({ db: config.database ?? '', precision: 'u' });
    if (config.retentionPolicy) params.set('rp', config.retentionPolicy);
    this.url = `${config.url.replace(/\/$/, '')}/write?${params}`;
  }

  async write(lines: string[]): Promise<WriteResult> {
    const text = lines.join('\n');
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    let body: string | Buffer = text;
    if (this.config.gzip) {
      // Level 1: most of the size saving for a fraction of the CPU (line protocol repeats itself).
      body = await gzip(text, { level: 1 });
      headers['content-encoding'] = 'gzip';
    }
    return withRotation(this.config, () => this.send(body, headers));
  }

  private async send(body: string | Buffer, headers: Record<string, string>): Promise<WriteResult> {
    try {
      const authorization = sinkAuthorization(this.config);
      const response = await fetch(this.url, {
        method: 'POST',
        headers: authorization ? { ...headers, authorization } : headers,
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      const answer = response.status === 204 ? '' : await response.text();
      return classify(response.status, answer, response.headers.get('retry-after'));
    } catch (error) {
      return networkFailure(error);
    }
  }
}

/** The 2.x-compatible /api/v2/write through the official client; retries are ours, not the client's. */
export class V2Target implements InfluxTarget {
  /** The client for the token it was made with: a rotated token gets a new one. */
  private client: { token: string; influx: InfluxDB } | undefined;
  private readonly config: SinkConfig;

  constructor(config: SinkConfig) {
    this.config = config;
  }

  private influx(): InfluxDB {
    const token = sinkToken(this.config);
    if (this.client?.token !== token)
      this.client = {
        token,
        influx: new InfluxDB({ url: this.config.url, token, timeout: this.config.timeoutMs }),
      };
    return this.client.influx;
  }

  write(lines: string[]): Promise<WriteResult> {
    return withRotation(this.config, () => this.send(lines));
  }

  private async send(lines: string[]): Promise<WriteResult> {
    let influx: InfluxDB;
    try {
      influx = this.influx();
    } catch (error) {
      return networkFailure(error);
    }
    const api = influx.getWriteApi(this.config.org, this.config.bucket ?? '', 'us', {
      maxRetries: 0,
      batchSize: lines.length + 1,
      flushInterval: 0,
      maxBufferLines: lines.length + 1,
      gzipThreshold: this.config.gzip ? 0 : Number.MAX_SAFE_INTEGER,
      writeFailed: () => undefined,
    });
    api.writeRecords(lines);
    try {
      await api.close();
      return { kind: 'ok' };
    } catch (error) {
      if (error instanceof HttpError)
        return classify(
          error.statusCode,
          error.body ?? error.message,
          error.headers?.['retry-after'] as string | undefined,
        );
      return networkFailure(error);
    }
  }
}

/** Sends; refused for the credentials, sends once more if the credential files changed meanwhile. */
async function withRotation(config: SinkConfig, send: () => Promise<WriteResult>): Promise<WriteResult> {
  const result = await send();
  const refused = result.kind === 'retry' && (result.status === 401 || result.status === 403);
  return refused && refreshSinkCredentials(config) ? send() : result;
}

export function createTarget(config: SinkConfig): InfluxTarget {
  return config.flavour === 'v2' ? new V2Target(config) : new V1Target(config);
}
