// Writes one sink's points: a bounded in-memory buffer, batches by size and by
// interval, one request in flight (so points arrive in order), retries with
// backoff and jitter that never give up on a transient error, and isolation of
// the points InfluxDB rejects so the rest of a batch still gets through.
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.ts';
import type { InfluxTarget, WriteResult } from './influx-target.ts';
import type { BridgeMetrics } from './metrics.ts';
import type { SinkConfig } from './sink-config.ts';

export interface Entry {
  id: number;
  line: string;
  /** Spool segment holding this point, or -1 when not spooled. */
  segment: number;
  receivedMs: number;
}

export interface SinkWriterOptions {
  config: SinkConfig;
  target: InfluxTarget;
  metrics: BridgeMetrics;
  log: Logger;
  /** Called with entries that are settled (written, rejected or dropped), to release spool segments. */
  onSettled?: (entries: Entry[]) => void;
  random?: () => number;
}

type Sent = { kind: 'ok'; rejected: number } | Extract<WriteResult, { kind: 'retry' }>;

interface Waiter {
  lastId: number;
  /** true: written (or rejected for good); false: abandoned at shutdown. */
  resolve: (settled: boolean) => void;
}

export class SinkWriter {
  readonly name: string;
  readonly config: SinkConfig;
  private readonly options: SinkWriterOptions;
  private queue: Entry[] = [];
  private head = 0;
  private inflight: Entry[] = [];
  private nextId = 1;
  private waiters: Waiter[] = [];
  private wake: (() => void) | undefined;
  private waitingForBatch = false;
  private stopping = false;
  private abandoned = false;
  private loop: Promise<void>;
  private lastError: string | undefined;
  private lastSuccessMs = 0;
  private failingSinceMs: number | undefined;

  constructor(options: SinkWriterOptions) {
    this.options = options;
    this.name = options.config.name;
    this.config = options.config;
    options.metrics.bufferCapacity.set({ sink: this.name }, options.config.maxBufferPoints);
    this.loop = this.run();
  }

  /** Points waiting, including the batch in flight. */
  get pending(): number {
    return this.queue.length - this.head + this.inflight.length;
  }

  /** Room for `n` more points? Always true for drop-oldest, which makes room itself. */
  hasRoomFor(n: number): boolean {
    return (
      this.options.config.overflow === 'drop-oldest' ||
      this.pending + n <= this.options.config.maxBufferPoints
    );
  }

  /** Could `n` points ever fit (an empty buffer)? */
  fitsAtAll(n: number): boolean {
    return this.options.config.overflow === 'drop-oldest' || n <= this.options.config.maxBufferPoints;
  }

  get status(): {
    pending: number;
    lastError: string | undefined;
    lastSuccessMs: number;
    failingSinceMs: number | undefined;
  } {
    return {
      pending: this.pending,
      lastError: this.lastError,
      lastSuccessMs: this.lastSuccessMs,
      failingSinceMs: this.failingSinceMs,
    };
  }

  /**
   * Adds points. With overflow "reject" the caller checks `hasRoomFor` first (the
   * intake refuses the batch instead); points are still taken here, so a spool
   * replay can never lose data. With "drop-oldest" the oldest waiting points go.
   * Returns the id of the last point, for `settled`.
   */
  enqueue(lines: string[], segment = -1, receivedMs = Date.now()): number {
    for (const line of lines) this.queue.push({ id: this.nextId++, line, segment, receivedMs });
    if (this.options.config.overflow === 'drop-oldest') {
      const excess = this.pending - this.options.config.maxBufferPoints;
      if (excess > 0) this.dropFromQueue(excess, 'overflow');
    }
    this.updateGauge();
    // Only a wait for a batch ends early; a retry's backoff is kept.
    if (this.waitingForBatch && this.queue.length - this.head >= this.options.config.batchSize) this.wake?.();
    return this.nextId - 1;
  }

  /**
   * Resolves true once every point up to `lastId` is settled (written, rejected
   * or dropped by policy), false if they were abandoned at shutdown.
   */
  settled(lastId: number): Promise<boolean> {
    if (this.minPendingId() > lastId) return Promise.resolve(true);
    // Someone (the cloud, holding its next batch) waits on this: no point waiting for more.
    if (this.waitingForBatch) this.wake?.();
    return new Promise((resolve) => this.waiters.push({ lastId, resolve }));
  }

  /** Stops after writing what is buffered, or at `deadlineMs`; returns the points left unwritten. */
  async close(deadlineMs: number): Promise<number> {
    this.stopping = true;
    this.wake?.();
    const timer = setTimeout(
      () => {
        this.abandoned = true;
        this.wake?.();
      },
      Math.max(0, deadlineMs - Date.now()),
    );
    await this.loop;
    clearTimeout(timer);
    return this.pending;
  }

  /** Forgets what is left (after close): counted as dropped unless the spool still holds it. */
  discardRemaining(durable: boolean): void {
    const left = [...this.inflight, ...this.queue.slice(this.head)];
    if (!durable && left.length > 0)
      this.options.metrics.pointsDropped.inc({ sink: this.name, reason: 'shutdown' }, left.length);
    this.inflight = [];
    this.queue = [];
    this.head = 0;
    this.updateGauge();
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
  }

  private minPendingId(): number {
    return this.inflight[0]?.id ?? this.queue[this.head]?.id ?? this.nextId;
  }

  private dropFromQueue(n: number, reason: string): void {
    const dropped = this.queue.slice(this.head, this.head + n);
    this.head += dropped.length;
    this.compact();
    this.options.metrics.pointsDropped.inc({ sink: this.name, reason }, dropped.length);
    this.options.onSettled?.(dropped);
    this.resolveWaiters();
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private resolveWaiters(): void {
    const min = this.minPendingId();
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (min > waiter.lastId) waiter.resolve(true);
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private updateGauge(): void {
    this.options.metrics.bufferPoints.set({ sink: this.name }, this.pending);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Waits until a full batch is waiting, the oldest point is flushIntervalMs old, or we stop. */
  private async waitForBatch(): Promise<void> {
    const { batchSize, flushIntervalMs } = this.options.config;
    while (!this.stopping) {
      const waiting = this.queue.length - this.head;
      if (waiting >= batchSize || (waiting > 0 && this.waiters.length > 0)) return;
      const oldest = this.queue[this.head];
      if (oldest) {
        const due = oldest.receivedMs + flushIntervalMs - Date.now();
        if (due <= 0) return;
        await this.sleep(Math.min(due, flushIntervalMs));
      } else {
        await this.sleep(flushIntervalMs);
      }
    }
  }

  private async run(): Promise<void> {
    const { config, metrics } = this.options;
    let attempt = 0;
    for (;;) {
      if (this.abandoned) return;
      if (this.inflight.length === 0) {
        this.waitingForBatch = true;
        await this.waitForBatch();
        this.waitingForBatch = false;
        if (this.queue.length === this.head) {
          if (this.stopping) return;
          continue;
        }
        this.inflight = this.queue.slice(this.head, this.head + config.batchSize);
        this.head += this.inflight.length;
        this.compact();
      }
      const started = performance.now();
      const result = await this.sendIsolated(this.inflight.map((e) => e.line));
      const seconds = (performance.now() - started) / 1000;
      if (result.kind === 'ok') {
        metrics.writeDuration.observe({ sink: this.name, outcome: 'ok' }, seconds);
        this.settleInflight(result.rejected);
        attempt = 0;
        continue;
      }
      metrics.writeDuration.observe({ sink: this.name, outcome: 'retry' }, seconds);
      metrics.writeRetries.inc({ sink: this.name, status: String(result.status) });
      if (this.lastError !== result.message)
        this.options.log.warn(
          { sink: this.name, status: result.status, error: result.message },
          'write failed, retrying',
        );
      this.lastError = result.message;
      this.failingSinceMs ??= Date.now();
      if (config.maxRetries !== undefined && attempt >= config.maxRetries) {
        this.options.log.error(
          { sink: this.name, points: this.inflight.length },
          'retries exhausted, points dropped',
        );
        this.settleInflight(0, 'retries-exhausted');
        attempt = 0;
        continue;
      }
      const delay = Math.max(
        result.retryAfterMs ?? 0,
        backoffDelay(attempt++, config.retryInitialMs, config.retryMaxMs, this.options.random),
      );
      await this.sleep(delay);
    }
  }

  private settleInflight(rejected: number, dropped?: 'retries-exhausted'): void {
    const { metrics } = this.options;
    const done = this.inflight;
    this.inflight = [];
    const now = Date.now();
    if (dropped) metrics.pointsDropped.inc({ sink: this.name, reason: dropped }, done.length);
    else {
      metrics.pointsWritten.inc({ sink: this.name }, done.length - rejected);
      if (rejected > 0) metrics.pointsDropped.inc({ sink: this.name, reason: 'rejected' }, rejected);
      // One observation per intake batch (its points share a receive time), not per point.
      let previous = -1;
      for (const entry of done) {
        if (entry.receivedMs === previous) continue;
        previous = entry.receivedMs;
        metrics.delivery.observe({ sink: this.name }, (now - entry.receivedMs) / 1000);
      }
      this.lastSuccessMs = now;
      this.failingSinceMs = undefined;
      this.lastError = undefined;
    }
    this.updateGauge();
    this.options.onSettled?.(done);
    this.resolveWaiters();
  }

  /**
   * One batch: on a 400 that InfluxDB did not resolve itself (partial write),
   * halves the batch until the bad points stand alone, and drops only them.
   * Re-sending the good half is harmless: a point with the same series and
   * time overwrites itself.
   */
  private async sendIsolated(lines: string[]): Promise<Sent> {
    const result = await this.options.target.write(lines);
    if (result.kind === 'ok') return { kind: 'ok', rejected: 0 };
    if (result.kind === 'retry') return result;
    if (result.partialDropped !== undefined) {
      this.options.log.warn({ sink: this.name, error: result.message }, 'InfluxDB rejected some points');
      return { kind: 'ok', rejected: Math.min(result.partialDropped, lines.length) };
    }
    if (lines.length === 1) {
      this.options.log.warn(
        { sink: this.name, error: result.message, line: lines[0]?.slice(0, 300) },
        'point rejected',
      );
      return { kind: 'ok', rejected: 1 };
    }
    const middle = Math.ceil(lines.length / 2);
    const first = await this.sendIsolated(lines.slice(0, middle));
    if (first.kind === 'retry') return first;
    const second = await this.sendIsolated(lines.slice(middle));
    if (second.kind === 'retry') return second;
    return { kind: 'ok', rejected: first.rejected + second.rejected };
  }
}
