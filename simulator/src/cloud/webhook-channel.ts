// The webhook notification channel of one API key: batches are PUT to the
// callback URL one at a time; the next batch goes only after a 2xx. A failed
// PUT is retried with exponential backoff (1 s doubling to 2 min by default).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffCeiling } from '@shelfpulse/core/runtime/backoff';
import { EventQueue } from './event-queue.ts';
import { toMessage, type ChannelEvent } from './notification-message.ts';

export interface WebhookTarget {
  url: string;
  headers: Record<string, string>;
}

export interface WebhookTiming {
  retryBaseMs: number;
  retryMaxMs: number;
  requestTimeoutMs: number;
  /** After failing this long without a success, the webhook is removed (the service: 24 h). */
  removeAfterMs: number;
}

/** One PUT of a JSON body; true for a 2xx answer. `stop` abandons it (channel deleted, emulator closing). */
export async function putJson(
  target: WebhookTarget,
  body: unknown,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<boolean> {
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(target.url, {
      method: 'PUT',
      headers: { ...target.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: stop ? AbortSignal.any([stop, timeout]) : timeout,
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

/** The service's retry delay after `failures` failed PUTs: no jitter, as the service documents none. */
export function backoffMs(failures: number, timing: WebhookTiming): number {
  return backoffCeiling(failures - 1, timing.retryBaseMs, timing.retryMaxMs);
}

export class WebhookChannel {
  readonly type = 'webhook';
  target: WebhookTarget;
  private readonly queue: EventQueue;
  private readonly maxBatch: number;
  private readonly timing: WebhookTiming;
  private readonly log: Logger;
  private readonly onFailure: () => void;
  private readonly onDelivered: (count: number) => void;
  private readonly onRemoved: (undelivered: number) => void;
  private readonly stop = new AbortController();
  private running = false;
  private failingSince: number | undefined;

  constructor(options: {
    target: WebhookTarget;
    queueSize: number;
    maxBatch: number;
    timing: WebhookTiming;
    log: Logger;
    onDrop: (event: ChannelEvent) => void;
    onFailure: () => void;
    onDelivered: (count: number) => void;
    /** Called once when the webhook gave up, with the events it never delivered. */
    onRemoved: (undelivered: number) => void;
  }) {
    this.target = options.target;
    this.queue = new EventQueue(options.queueSize, options.onDrop);
    this.maxBatch = options.maxBatch;
    this.timing = options.timing;
    this.log = options.log;
    this.onFailure = options.onFailure;
    this.onDelivered = options.onDelivered;
    this.onRemoved = options.onRemoved;
  }

  get queued(): number {
    return this.queue.length;
  }

  push(event: ChannelEvent): void {
    if (this.stop.signal.aborted) return;
    this.queue.push(event);
    if (!this.running) {
      this.running = true;
      // Next tick: events raised together leave in one batch.
      setImmediate(() => void this.deliver());
    }
  }

  delete(): void {
    this.stop.abort();
  }

  private async deliver(): Promise<void> {
    try {
      while (!this.stop.signal.aborted && this.queue.length > 0) {
        const batch = this.queue.take(this.maxBatch);
        const message = toMessage(batch);
        for (let failures = 0; !this.stop.signal.aborted;) {
          if (await putJson(this.target, message, this.timing.requestTimeoutMs, this.stop.signal)) {
            this.onDelivered(batch.length);
            this.failingSince = undefined;
            break;
          }
          if (this.stop.signal.aborted) break;
          failures++;
          this.onFailure();
          this.failingSince ??= Date.now();
          if (Date.now() - this.failingSince >= this.timing.removeAfterMs) {
            this.log.warn({ url: this.target.url, failures }, 'webhook removed: deliveries kept failing');
            this.stop.abort();
            this.onRemoved(batch.length + this.queue.length);
            return;
          }
          const delay = backoffMs(failures, this.timing);
          this.log.warn({ url: this.target.url, failures, retryInMs: delay }, 'webhook delivery failed');
          await sleep(delay, undefined, { signal: this.stop.signal }).catch(() => undefined);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
