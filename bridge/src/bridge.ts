// The bridge's data path without its intake: takes NotificationMessages,
// derives points, makes them durable (spool) and hands them to one writer per
// sink. Intake (webhook server, long poll) calls `ingest` and acknowledges the
// cloud only when `ingest` resolves "accepted".
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeriveRules } from './derive.ts';
import { createTarget, type InfluxTarget } from './influx-target.ts';
import { sameExceptCredentials, takeCredentials } from './sink-credentials.ts';
import type { BridgeMetrics } from './metrics.ts';
import type { NotificationMessage } from './notification.ts';
import type { Router } from './routing.ts';
import type { SinkConfig } from './sink-config.ts';
import { SinkWriter, type Entry } from './sink-writer.ts';
import { Spool, type SpoolState } from './spool.ts';
import { Translator } from './translator.ts';
import { DeviceDirectory } from './devices.ts';
import { ProductHold } from './product-hold.ts';

export interface BridgeOptions {
  sinks: SinkConfig[];
  router: Router;
  rules: DeriveRules;
  metrics: BridgeMetrics;
  log: Logger;
  /** Directory of the disk spool; without it, intake is acknowledged once points are written. */
  spoolDir?: string | undefined;
  /**
   * How long a batch waits for room when the buffers are full before it is
   * refused: a refused batch costs the cloud a retry after seconds of backoff,
   * a short wait only slows this one answer down.
   */
  busyWaitMs?: number;
  spoolSegmentBytes?: number;
  /** For tests and benchmarks: a target per sink other than the real one. */
  targetFor?: (sink: SinkConfig) => InfluxTarget;
  /**
   * Reads the product id of a device whose notifications did not carry it yet
   * (undefined: no read now); the answer is taken unless one arrived meanwhile.
   */
  readProductId?: (deviceId: string) => Promise<string | undefined> | undefined;
  /**
   * How long a routed shelf's counts wait for its product id before they are
   * written without it (0: never wait). See product-hold.ts.
   */
  productWaitMs?: number;
  /** Device id → endpoint name/type; by default a device's id is its name. */
  directory?: DeviceDirectory;
}

/** accepted: durable (spooled or written); busy: buffers full, ask again later; too-large: will never fit. */
export type IngestResult = 'accepted' | 'busy' | 'too-large';

const recentBatches = 4096;
// The cloud's first retries come within seconds; a restart takes a few more.
const redeliveryWindowMs = 120_000;

export class Bridge {
  readonly translator: Translator;
  readonly directory: DeviceDirectory;
  /** Batches are derived one at a time, in arrival order, even when a device lookup waits. */
  private order: Promise<unknown> = Promise.resolve();
  readonly sinks = new Map<string, SinkWriter>();
  private readonly options: BridgeOptions;
  private readonly spool: Spool | undefined;
  /**
   * Batches not yet acknowledged, by body hash: the cloud redelivers a batch
   * whose answer is late, and it must not be derived twice. Only while pending,
   * since an identical body later can be a real change (5 → 4 → 5).
   */
  private readonly seen = new Map<string, Promise<IngestResult>>();
  private closing = false;
  /**
   * Batches spooled just before a crash: their 204 may never have left, so the
   * cloud redelivers them. Recognised for a short while after the restart.
   */
  private readonly beforeCrash = new Map<string, number>();
  /** Counts of shelves whose product id is not known yet; undefined when not waiting for it. */
  private readonly productHold: ProductHold | undefined;
  private readonly productTimer: NodeJS.Timeout | undefined;

  constructor(options: BridgeOptions) {
    this.options = options;
    this.directory = options.directory ?? new DeviceDirectory();
    this.translator = new Translator({
      router: options.router,
      directory: this.directory,
      rules: options.rules,
      metrics: options.metrics,
      log: options.log,
      onUnknownProduct: (id) => this.askProductId(id),
    });
    this.spool = options.spoolDir ? new Spool(options.spoolDir, options.spoolSegmentBytes) : undefined;
    for (const config of options.sinks) this.addSink(config);
    this.replay();
    const waitMs = options.productWaitMs ?? 0;
    if (waitMs > 0) {
      this.productHold = new ProductHold({
        waitMs,
        maxHeld: 100_000,
        // Nothing to wait for once the product is known, or for a device no fleet routes.
        settled: (id) =>
          this.translator.productId(id) !== undefined ||
          options.router.route(this.directory.identity(id)) === undefined,
        request: (id) => this.askProductId(id),
      });
      this.productTimer = setInterval(() => this.releaseHeld(false), Math.min(250, waitMs)).unref();
    }
  }

  private askProductId(deviceId: string): void {
    void this.options.readProductId?.(deviceId)?.then((productId) => {
      if (productId !== undefined && this.translator.productId(deviceId) === undefined)
        this.translator.setProductId(deviceId, productId);
    });
  }

  /** Derives held counts whose product id came (or whose wait is over) as a batch of their own. */
  private releaseHeld(all: boolean): Promise<IngestResult> | undefined {
    const due = this.productHold?.due(Date.now(), all) ?? [];
    if (due.length === 0) return undefined;
    return this.accept({ notifications: due }, Date.now(), undefined, false);
  }

  private addSink(config: SinkConfig): void {
    const writer = new SinkWriter({
      config,
      target: this.options.targetFor?.(config) ?? createTarget(config),
      metrics: this.options.metrics,
      log: this.options.log.child({ sink: config.name }),
      onSettled: (entries) => this.release(entries),
    });
    this.sinks.set(config.name, writer);
  }

  /**
   * Replaces the set of sinks (MetricSinks changed). New credentials go into the
   * running writer (sink-credentials.ts). A removed or otherwise changed sink
   * first writes what it holds (up to `graceMs`); with the spool, what it could
   * not write stays on disk and is replayed at the next start.
   */
  updateSinks(configs: SinkConfig[], graceMs = 10_000): void {
    const wanted = new Map(configs.map((c) => [c.name, c]));
    for (const [name, writer] of this.sinks) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next) === JSON.stringify(writer.config)) continue;
      // Only the credentials changed (a rotated Secret): the writer keeps its buffer, whose
      // points InfluxDB may be refusing right now, and writes them with the new ones.
      if (next && sameExceptCredentials(next, writer.config)) {
        takeCredentials(writer.config, next);
        continue;
      }
      this.sinks.delete(name);
      void writer.close(Date.now() + graceMs).then(() => writer.discardRemaining(this.durable));
    }
    for (const config of configs) if (!this.sinks.has(config.name)) this.addSink(config);
    this.options.log.info({ sinks: [...this.sinks.keys()] }, 'sinks updated');
  }

  /** False once closing began. */
  get open(): boolean {
    return !this.closing;
  }

  get durable(): boolean {
    return this.spool !== undefined;
  }

  /** Room for a batch of `notifications` in every sink that refuses rather than drops? */
  accepting(notifications = 1): boolean {
    if (this.closing) return false;
    // A count notification yields at most two points (count and event).
    for (const writer of this.sinks.values()) if (!writer.hasRoomFor(notifications * 2)) return false;
    return true;
  }

  /** Ingests a batch. `body`, when given, is its raw text, to recognise redeliveries. */
  ingest(message: NotificationMessage, body?: string, receivedMs = Date.now()): Promise<IngestResult> {
    const key = body === undefined ? undefined : createHash('sha256').update(body).digest('base64');
    const earlier = key === undefined ? undefined : this.seen.get(key);
    if (earlier) {
      this.options.metrics.notifications.inc({ result: 'redelivered' }, message.notifications?.length ?? 0);
      return earlier;
    }
    if (key !== undefined && (this.beforeCrash.get(key) ?? 0) > Date.now()) {
      this.beforeCrash.delete(key);
      this.options.metrics.notifications.inc({ result: 'redelivered' }, message.notifications?.length ?? 0);
      return Promise.resolve('accepted');
    }
    const n = message.notifications?.length ?? 0;
    for (const writer of this.sinks.values())
      if (!writer.fitsAtAll(n * 2)) return Promise.resolve('too-large');
    const result = this.accepting(n)
      ? this.accept(message, receivedMs, key)
      : this.roomFor(n).then((room) => (room ? this.accept(message, receivedMs, key) : 'busy'));
    if (key !== undefined && this.seen.size < recentBatches) {
      this.seen.set(key, result);
      result.finally(() => this.seen.delete(key)).catch(() => undefined);
    }
    return result;
  }

  /** Waits up to `busyWaitMs` until every sink has room for a batch of `notifications`. */
  private async roomFor(notifications: number): Promise<boolean> {
    const deadline = Date.now() + (this.options.busyWaitMs ?? 0);
    const room = await Promise.all(
      [...this.sinks.values()].map((w) => w.waitForRoom(notifications * 2, deadline)),
    );
    return room.every(Boolean) && this.accepting(notifications);
  }

  private async accept(
    message: NotificationMessage,
    receivedMs: number,
    key?: string,
    hold = true,
  ): Promise<IngestResult> {
    const turn = this.order.then(async () => {
      this.directory.learn(message);
      const ids = new Set<string>();
      for (const n of message.notifications ?? []) {
        const ep = (n as { ep?: unknown } | null)?.ep;
        if (typeof ep === 'string') ids.add(ep);
      }
      await this.directory.resolve(ids);
      const kept = hold && this.productHold ? this.productHold.take(message, receivedMs) : message;
      return this.store(kept, receivedMs, key);
    });
    this.order = turn.catch(() => undefined);
    const waits = await turn;
    // Without a spool the batch is acknowledged only once written; abandoned at shutdown, it is not.
    const settled = await Promise.all(waits);
    return settled.every(Boolean) ? 'accepted' : 'busy';
  }

  /** Derives, spools and enqueues one batch; returns what to wait for before acknowledging. */
  private store(message: NotificationMessage, receivedMs: number, key?: string): Promise<boolean>[] {
    const { points, devices, products } = this.translator.translate(message, receivedMs);
    let segment = -1;
    const learnt = Object.keys(products).length > 0;
    if (this.spool && (Object.keys(points).length > 0 || learnt)) {
      segment = this.spool.append(
        {
          s: points,
          d: devices,
          r: receivedMs,
          ...(key ? { h: key } : {}),
          ...(learnt ? { p: products } : {}),
        },
        () => this.spoolState(),
      );
      this.options.metrics.spoolBytes.set(this.spool.bytes);
    }
    if (segment < 0 || !this.spool) return this.enqueue(points, segment, receivedMs);
    // Points reach a writer only once their record is on disk: written first
    // and lost in a crash, the cloud's redelivery would derive them twice.
    return [
      this.spool.synced().then(() => {
        this.enqueue(points, segment, receivedMs);
        return true;
      }),
    ];
  }

  private enqueue(points: Record<string, string[]>, segment: number, receivedMs: number): Promise<boolean>[] {
    const waits: Promise<boolean>[] = [];
    for (const [sink, lines] of Object.entries(points)) {
      const writer = this.sinks.get(sink);
      if (!writer) {
        this.options.metrics.pointsDropped.inc({ sink, reason: 'unknown-sink' }, lines.length);
        this.spool?.release(segment, lines.length);
        continue;
      }
      const last = writer.enqueue(lines, segment, receivedMs);
      if (!this.spool) waits.push(writer.settled(last));
    }
    return waits;
  }

  /**
   * Writes points the bridge makes itself (its health report) like derived
   * ones: spooled when there is a spool, then batched and retried by each
   * sink's writer. Never waits; a sink whose buffer has no room for them
   * drops them rather than refuse or push out shelf data.
   */
  writeOwn(points: Record<string, string[]>, receivedMs = Date.now()): void {
    if (this.closing) return;
    const fitting: Record<string, string[]> = {};
    for (const [sink, lines] of Object.entries(points)) {
      const writer = this.sinks.get(sink);
      if (writer && writer.pending + lines.length <= writer.config.maxBufferPoints) fitting[sink] = lines;
      else
        this.options.metrics.pointsDropped.inc(
          { sink, reason: writer ? 'overflow' : 'unknown-sink' },
          lines.length,
        );
    }
    if (Object.keys(fitting).length === 0) return;
    const segment = this.spool
      ? this.spool.append({ s: fitting, d: new Map(), r: receivedMs }, () => this.spoolState())
      : -1;
    if (this.spool) {
      this.options.metrics.spoolBytes.set(this.spool.bytes);
      this.spool.synced().catch((e: unknown) => this.options.log.error({ err: e }, 'spool fsync failed'));
    }
    for (const [sink, lines] of Object.entries(fitting))
      this.sinks.get(sink)?.enqueue(lines, segment, receivedMs);
  }

  private replay(): void {
    if (!this.spool) return;
    const replay = this.spool.replay();
    this.translator.deriver.restore(replay.state.devices);
    for (const [device, product] of Object.entries(replay.state.products))
      this.translator.setProductId(device, product);
    let points = 0;
    for (const { segment, record } of replay.records) {
      for (const [sink, lines] of Object.entries(record.s)) {
        const writer = this.sinks.get(sink);
        if (!writer) {
          this.options.metrics.pointsDropped.inc({ sink, reason: 'unknown-sink' }, lines.length);
          this.spool.release(segment, lines.length);
          continue;
        }
        writer.enqueue(lines, segment, record.r);
        points += lines.length;
      }
    }
    for (const hash of replay.lastHashes) this.beforeCrash.set(hash, Date.now() + redeliveryWindowMs);
    this.spool.start(this.spoolState());
    this.options.metrics.spoolBytes.set(this.spool.bytes);
    if (points > 0 || replay.torn > 0)
      this.options.log.info(
        { points, torn: replay.torn, devices: this.translator.deriver.size },
        'spool replayed',
      );
  }

  private spoolState(): SpoolState {
    return { devices: this.translator.deriver.snapshot(), products: this.translator.productIdsSnapshot() };
  }

  private release(entries: Entry[]): void {
    if (!this.spool) return;
    const bySegment = new Map<number, number>();
    for (const e of entries)
      if (e.segment >= 0) bySegment.set(e.segment, (bySegment.get(e.segment) ?? 0) + 1);
    for (const [segment, count] of bySegment) this.spool.release(segment, count);
    this.options.metrics.spoolBytes.set(this.spool.bytes);
  }

  /** Points waiting in every sink. */
  get pending(): number {
    let n = 0;
    for (const writer of this.sinks.values()) n += writer.pending;
    return n;
  }

  /**
   * Stops taking data, writes what is buffered until `graceMs` is over, and
   * returns the points left unwritten (kept in the spool when there is one).
   */
  async close(graceMs = 10_000): Promise<number> {
    // Held counts are written as they are (without a product id) rather than lost.
    clearInterval(this.productTimer);
    void this.releaseHeld(true);
    await this.order; // derived and queued; the writers below write them within the grace
    this.closing = true;
    const deadline = Date.now() + graceMs;
    const left = await Promise.all([...this.sinks.values()].map((w) => w.close(deadline)));
    for (const writer of this.sinks.values()) writer.discardRemaining(this.durable);
    this.spool?.close();
    const total = left.reduce((a, b) => a + b, 0);
    if (total > 0)
      this.options.log.warn({ points: total, spooled: this.durable }, 'closing with points not written');
    return total;
  }
}
