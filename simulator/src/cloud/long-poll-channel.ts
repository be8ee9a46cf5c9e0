// The long-poll notification channel of one API key: GET /v2/notification/pull
// answers 200 with a batch, 204 when nothing arrives in time, 409 while another
// poll is open, and 410 when the channel is deleted under an open poll.
import { ApiError } from './api-error.ts';
import { EventQueue } from './event-queue.ts';
import { toMessage, type ChannelEvent, type NotificationMessage } from './notification-message.ts';

interface Waiter {
  resolve: (message: NotificationMessage | null) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class LongPollChannel {
  readonly type = 'long-poll';
  private readonly queue: EventQueue;
  private readonly maxBatch: number;
  private readonly timeoutMs: number;
  private readonly onDelivered: (count: number) => void;
  private readonly onPollOpen: (open: boolean) => void;
  private waiter: Waiter | undefined;
  private flushScheduled = false;
  private deleted = false;
  /** When the last poll ended (or the channel was created); ms since epoch. */
  private lastPolled = Date.now();

  constructor(options: {
    queueSize: number;
    maxBatch: number;
    timeoutMs: number;
    onDrop: (event: ChannelEvent) => void;
    onDelivered: (count: number) => void;
    /** Told when a poll starts waiting (true) and when it is answered (false). */
    onPollOpen: (open: boolean) => void;
  }) {
    this.queue = new EventQueue(options.queueSize, options.onDrop);
    this.maxBatch = options.maxBatch;
    this.timeoutMs = options.timeoutMs;
    this.onDelivered = options.onDelivered;
    this.onPollOpen = options.onPollOpen;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** True when no poll is open and none ended within `expiryMs`. */
  idleSince(now: number, expiryMs: number): boolean {
    return !this.waiter && now - this.lastPolled > expiryMs;
  }

  /** Resolves with a batch, or null after the timeout; `signal` ends the poll when the client goes away. */
  poll(signal: AbortSignal): Promise<NotificationMessage | null> {
    if (this.deleted) return Promise.reject(new ApiError(410, 'CHANNEL_DELETED'));
    if (this.waiter) {
      return Promise.reject(
        new ApiError(409, 'a long poll is already open for this API key', { reason: 'concurrent_poll' }),
      );
    }
    this.lastPolled = Date.now();
    if (this.queue.length > 0) return Promise.resolve(this.takeBatch());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle((w) => w.resolve(null)), this.timeoutMs);
      this.waiter = { resolve, reject, timer };
      this.onPollOpen(true);
      signal.addEventListener('abort', () => this.settle((w) => w.resolve(null)), { once: true });
    });
  }

  push(event: ChannelEvent): void {
    if (this.deleted) return;
    this.queue.push(event);
    // Events raised in the same tick (a registration and its first values) go in one batch.
    if (this.waiter && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (this.queue.length > 0) this.settle((w) => w.resolve(this.takeBatch()));
      });
    }
  }

  delete(): void {
    this.deleted = true;
    this.settle((w) => w.reject(new ApiError(410, 'CHANNEL_DELETED')));
  }

  private takeBatch(): NotificationMessage {
    const batch = this.queue.take(this.maxBatch);
    this.onDelivered(batch.length);
    return toMessage(batch);
  }

  private settle(action: (waiter: Waiter) => void): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    this.onPollOpen(false);
    this.lastPolled = Date.now();
    clearTimeout(waiter.timer);
    action(waiter);
  }
}
