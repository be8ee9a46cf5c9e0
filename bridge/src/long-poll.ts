// Long-poll intake: one pull at a time through mbed-cloud-sdk's Connect API
// client (GET /v2/notification/pull), and only while the buffers have room —
// otherwise the cloud keeps the notifications. Unlike the SDK's own
// startNotifications loop, this one retries for ever with backoff (the SDK's
// gives up after three network errors), can be stopped (the SDK 2.6 loop
// cannot), and never deletes the channel, so a replica taking over after a
// leadership change finds everything queued meanwhile. Every pull uses the API
// key as it is now (credential.ts): a rotated key is used by the next pull.
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { backoffDelay } from '@shelfpulse/core/runtime/backoff';
import type { Bridge } from './bridge.ts';
import type { Credential } from './credential.ts';
import type { BridgeMetrics } from './metrics.ts';
import { NotificationMessageSchema, type NotificationMessage } from './notification.ts';

/** The part of the SDK's generated NotificationsApi used here. */
interface PullRequest {
  abort?: () => void;
}
interface SdkEndpoints {
  notifications: {
    longPollNotifications(
      /** The SDK's SDKError carries the HTTP status as `code`. */
      callback: (error: { code?: number; status?: number; message?: string } | null, data: unknown) => void,
    ): PullRequest;
  };
}

const require = createRequire(import.meta.url);
const { Endpoints } = require('mbed-cloud-sdk/lib/legacy/connect/endpoints.js') as {
  Endpoints: new (options: { apiKey: string; host: string }) => SdkEndpoints;
};

export interface LongPollOptions {
  bridge: Bridge;
  apiUrl: string;
  apiKey: Credential;
  metrics: BridgeMetrics;
  log: Logger;
  /** Every pulled message also goes here (async responses for the SDK's reads). */
  onMessage?: (message: NotificationMessage) => void;
  retryMaxMs?: number;
}

type Pulled =
  { ok: true; message: NotificationMessage | undefined } | { ok: false; status: number; error: string };

export class LongPollIntake {
  private readonly options: LongPollOptions;
  /** The SDK's endpoints for the key they were made with. */
  private endpoints: { key: string; api: SdkEndpoints } | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private request: PullRequest | undefined;
  private wake: (() => void) | undefined;

  constructor(options: LongPollOptions) {
    this.options = options;
  }

  private endpointsNow(): SdkEndpoints {
    const key = this.options.apiKey.current();
    if (this.endpoints?.key !== key)
      this.endpoints = {
        key,
        api: new Endpoints({ apiKey: key, host: this.options.apiUrl.replace(/\/$/, '') }),
      };
    return this.endpoints.api;
  }

  start(): void {
    this.loop ??= this.run();
    this.options.log.info('long poll started');
  }

  /**
   * Stops pulling. A pull in flight is let finish (its batch is taken) for up
   * to `graceMs`, then aborted.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (!this.loop) return;
    const timer = setTimeout(() => this.request?.abort?.(), graceMs);
    await this.loop;
    clearTimeout(timer);
    this.loop = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private pull(): Promise<Pulled> {
    return new Promise((resolve) => {
      this.request = this.endpointsNow().notifications.longPollNotifications((error, data) => {
        this.request = undefined;
        if (error) {
          const status = error.code ?? error.status ?? 0;
          resolve({ ok: false, status, error: error.message ?? 'pull failed' });
          return;
        }
        const parsed = NotificationMessageSchema.safeParse(data);
        resolve({ ok: true, message: parsed.success ? parsed.data : undefined });
      });
    });
  }

  private async run(): Promise<void> {
    const { bridge, metrics, log } = this.options;
    let failures = 0;
    while (!this.stopping) {
      // Backpressure: what is not pulled stays queued at the cloud.
      if (!bridge.accepting()) {
        await this.sleep(200);
        continue;
      }
      const pulled = await this.pull();
      if (!pulled.ok) {
        metrics.pulls.inc({ status: String(pulled.status) });
        // Refused: if the key file changed meanwhile (a rotation), pull again with the new key at once.
        if ((pulled.status === 401 || pulled.status === 403) && this.options.apiKey.refresh()) continue;
        // 409: another poll is open (a replica handing over) or a webhook owns the channel.
        if (failures === 0)
          log.warn({ status: pulled.status, error: pulled.error }, 'long poll failed; retrying');
        await this.sleep(backoffDelay(failures++, 500, this.options.retryMaxMs ?? 30_000));
        continue;
      }
      failures = 0;
      metrics.pulls.inc({ status: pulled.message ? '200' : '204' });
      if (pulled.message) await this.take(pulled.message);
    }
  }

  /** A pulled batch is already gone from the cloud: keep offering it until the bridge takes it. */
  private async take(message: NotificationMessage): Promise<void> {
    this.options.onMessage?.(message);
    for (;;) {
      const result = await this.options.bridge.ingest(message);
      if (result === 'accepted') return;
      if (result === 'too-large') {
        this.options.metrics.pointsDropped.inc(
          { sink: '(long-poll intake)', reason: 'too-large' },
          message.notifications?.length ?? 0,
        );
        return;
      }
      if (!this.options.bridge.accepting() && this.stopping && !this.options.bridge.open) {
        this.options.metrics.pointsDropped.inc(
          { sink: '(long-poll intake)', reason: 'shutdown' },
          message.notifications?.length ?? 0,
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
