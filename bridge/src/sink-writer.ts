// Writes one sink's points: a bounded in-memory buffer, batches by size and by
// interval, `concurrency` requests in flight (lanes taking batches from one
// queue, so InfluxDB parses one while the next is compressed and sent),
// retries with backoff and jitter that never give up on a transient error, and
// isolation of the points InfluxDB rejects so the rest of a batch still gets
// through. Points carry their own timestamps, so the order in which batches
// land does not matter.
import type { Logger } from 'pino';
import { backoffDelay } from '@shelfpulse/core/runtime/backoff';
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
  /** Batches being written, one per busy lane. */
  private readonly inflight = new Set<Entry[]>();
  private nextId = 1;
  private waiters: Waiter[] = [];
  /** Intake waiting for room in a full buffer. */
  private roomWaiters: { points: number; resolve: (room: boolean) => void }[] = [];
  /** Lanes waiting for a batch: new points or a waiting caller wake them early. */
  private readonly batchWakers = new Set<() => void>();
  /** Every sleeping lane, backoff included: a stop wakes them all. */
  private readonly wakers = new Set<() => void>();
  private stopping = false;
  private abandoned = false;
  private readonly lanes: Promise<void>[];
  private lastError: string | undefined;
  private lastSuccessMs = 0;
  private failingSinceMs: number | undefined;

  constructor(options: SinkWriterOptions) {
    this.options = options;
    this.name = options.config.name;
    this.config = options.config;
    options.metrics.bufferCapacity.set({ sink: this.name }, options.config.maxBufferPoints);
    this.lanes = Array.from({ length: options.config.concurrency }, () => this.lane());
  }

  /** Points waiting, including the batches in flight. */
  get pending(): number {
    let n = this.queue.length - this.head;
    for (const batch of this.inflight) n += batch.length;
    return n;
  }

  /** Room for `n` more points? Always true for drop-oldest, which makes room itself. */
  hasRoomFor(n: number): boolean {
    return (
      this.options.config.overflow === 'drop-oldest' ||
      this.pending + n <= this.options.config.maxBufferPoints
    );
  }

  /** Resolves true once `n` more points fit, false at `deadlineMs` or when the writer stops. */
  waitForRoom(n: number, deadlineMs: number): Promise<boolean> {
    if (this.hasRoomFor(n)) return Promise.resolve(true);
    if (this.stopping || deadlineMs <= Date.now()) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        points: n,
        resolve: (room: boolean): void => {
          clearTimeout(timer);
          this.roomWaiters = this.roomWaiters.filter((w) => w !== waiter);
          resolve(room);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), deadlineMs - Date.now());
      this.roomWaiters.push(waiter);
    });
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
    if (this.queue.length - this.head >= this.options.config.batchSize) this.wakeFor(this.batchWakers);
    return this.nextId - 1;
  }

  /**
   * Resolves true once every point up to `lastId` is settled (written, rejected
   * or dropped by policy), false if they were abandoned at shutdown.
   */
  settled(lastId: number): Promise<boolean> {
    if (this.minPendingId() > lastId) return Promise.resolve(true);
    // Someone (the cloud, holding its next batch) waits on this: no point waiting for more.
    this.wakeFor(this.batchWakers);
    return new Promise((resolve) => this.waiters.push({ lastId, resolve }));
  }

  /** Stops after writing what is buffered, or at `deadlineMs`; returns the points left unwritten. */
  async close(deadlineMs: number): Promise<number> {
    this.stopping = true;
    this.wakeFor(this.wakers);
    for (const waiter of [...this.roomWaiters]) waiter.resolve(false);
    const timer = setTimeout(
      () => {
        this.abandoned = true;
        this.wakeFor(this.wakers);
      },
      Math.max(0, deadlineMs - Date.now()),
    );
    await Promise.all(this.lanes);
    clearTimeout(timer);
    return this.pending;
  }

  /** Forgets what is left (after close): counted as dropped unless the spool still holds it. */
  discardRemaining(durable: boolean): void {
    const left = [...[...this.inflight].flat(), ...this.queue.slice(this.head)];
    if (!durable && left.length > 0)
      this.options.metrics.pointsDropped.inc({ sink: this.name, reason: 'shutdown' }, left.length);
    this.inflight.clear();
    this.queue = [];
    this.head = 0;
    this.updateGauge();
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
  }

  private minPendingId(): number {
    let min = this.queue[this.head]?.id ?? this.nextId;
    for (const batch of this.inflight) min = Math.min(min, batch[0]?.id ?? min);
    return min;
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
    for (const waiter of [...this.roomWaiters]) if (this.hasRoomFor(waiter.points)) waiter.resolve(true);
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

  private wakeFor(wakers: Set<() => void>): void {
    for (const wake of [...wakers]) wake();
  }

  /** Sleeps `ms`, or less when woken; a wait for a batch can be woken by new points, a backoff only by a stop. */
  private sleep(ms: number, forBatch: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        this.batchWakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
      if (forBatch) this.batchWakers.add(done);
    });
  }

  /**
   * Waits until a full batch is waiting, the oldest point is flushIntervalMs
   * old, or we stop, and takes the batch in the same step (another lane
   * checking in between must not see it as still waiting). Undefined: stopping
   * and nothing left.
   */
  private async nextBatch(): Promise<Entry[] | undefined> {
    const { batchSize, flushIntervalMs } = this.options.config;
    for (;;) {
      const waiting = this.queue.length - this.head;
      const oldest = this.queue[this.head];
      const due = oldest ? oldest.receivedMs + flushIntervalMs - Date.now() : flushIntervalMs;
      if (waiting >= batchSize || (waiting > 0 && (this.waiters.length > 0 || this.stopping || due <= 0))) {
        const batch = this.queue.slice(this.head, this.head + batchSize);
        this.head += batch.length;
        this.inflight.add(batch);
        this.compact();
        return batch;
      }
      if (this.stopping) return undefined;
      await this.sleep(Math.min(due, flushIntervalMs), true);
    }
  }

  /** One lane: takes a batch, writes it (retrying as long as it takes), then the next. */
  private async lane(): Promise<void> {
    const { config, metrics } = this.options;
    let attempt = 0;
    let batch: Entry[] | undefined;
    for (;;) {
      if (this.abandoned) return;
      if (!batch) {
        batch = await this.nextBatch();
        if (!batch) return;
      }
      const started = performance.now();
      const result = await this.sendIsolated(batch.map((e) => e.line));
      const seconds = (performance.now() - started) / 1000;
      if (result.kind === 'ok') {
        metrics.writeDuration.observe({ sink: this.name, outcome: 'ok' }, seconds);
        this.settle(batch, result.rejected);
        batch = undefined;
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
          { sink: this.name, points: batch.length },
          'retries exhausted, points dropped',
        );
        this.settle(batch, 0, 'retries-exhausted');
        batch = undefined;
        attempt = 0;
        continue;
      }
      const delay = Math.max(
        result.retryAfterMs ?? 0,
        backoffDelay(attempt++, config.retryInitialMs, config.retryMaxMs, this.options.random),
      );
      await this.sleep(delay, false);
    }
  }

  private settle(done: Entry[], rejected: number, dropped?: 'retries-exhausted'): void {
    const { metrics } = this.options;
    this.inflight.delete(done);
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
