// Runs the shelves of one shelf-sim process: for each, a shopper model driven by
// the simulated clock and an LwM2M client that reports the count. Each count
// change goes to the client (which notifies observers) and to the ground truth.
import type { Logger } from 'pino';
import { endpointName, globalShelfIndex, type SimulatorConfig } from '@shelfpulse/core/api/simulator-config';
import type { Placement } from '@shelfpulse/core/api/placement';
import type { CoapTiming } from './coap-endpoint.ts';
import type { GroundTruthRecord, ShelfEvent, ShelfEventKind } from './ground-truth.ts';
import { ShelfClient } from './shelf-client.ts';
import { ShelfModel } from './shelf-model.ts';
import { ITEM_COUNT, SHELF_OBJECT } from './shelf-objects.ts';
import { SimClock } from './sim-clock.ts';

export interface RunnerOptions {
  /** Simulated start (epoch ms); default now. Same seed + start + config = same shoppers. */
  simStartMs?: number | undefined;
  /** Resolved server address (IP); default config.server.host. */
  serverAddress?: string | undefined;
  bindAddress?: string | undefined;
  timing?: CoapTiming | undefined;
  retryMinMs?: number | undefined;
  /** Spreads the first registrations over this long (default 2 ms per shelf, at most 10 s). */
  rampMs?: number | undefined;
  onEvent?: ((record: GroundTruthRecord) => void) | undefined;
  log?: Logger | undefined;
  manufacturer?: string | undefined;
  firmwareVersion?: string | undefined;
}

export interface RunnerStats {
  shelves: number;
  registered: number;
  events: Record<ShelfEventKind, number>;
  /**
   * Items moved, by kind, after each shelf's item count was first observed by
   * the device cloud: what a subscriber can know of, so the ground truth that
   * InfluxDB's totals are checked against (earlier changes are never notified).
   */
  observedItems: Record<ShelfEventKind, number>;
  notifications: number;
  droppedNotifications: number;
  errors: number;
  simTimeMs: number;
}

interface Shelf {
  index: number;
  endpoint: string;
  placement: Placement;
  model: ShelfModel;
  client: ShelfClient;
  timer: NodeJS.Timeout | undefined;
  /** The next event, generated but not yet due. */
  pending: ShelfEvent | undefined;
  /** The device cloud observes the item count (from its first Observe request on). */
  observed: boolean;
}

const countPath = `/${SHELF_OBJECT}/0/${ITEM_COUNT}`;

/** How far ahead (real ms) a shelf looks for its next event when none is near. */
const LOOKAHEAD_REAL_MS = 10_000;

export class ShelfSimRunner {
  readonly config: SimulatorConfig;
  readonly clock: SimClock;
  private readonly options: RunnerOptions;
  private readonly shelves: Shelf[] = [];
  private readonly events: Record<ShelfEventKind, number> = { pickup: 0, putback: 0, restock: 0 };
  private readonly observedItems: Record<ShelfEventKind, number> = { pickup: 0, putback: 0, restock: 0 };
  private running = false;

  constructor(config: SimulatorConfig, options: RunnerOptions = {}) {
    this.config = config;
    this.options = options;
    this.clock = new SimClock(options.simStartMs ?? Date.now(), config.speedup);
    for (let local = 0; local < config.shelvesPerReplica; local++) {
      const index = globalShelfIndex(config, local);
      const placement = config.placements[index % config.placements.length]!;
      const endpoint = endpointName(config, local);
      const model = new ShelfModel({
        behaviour: config.behaviour,
        placement,
        seed: config.seed,
        shelf: index,
        startMs: this.clock.simStartMs,
      });
      const client = new ShelfClient({
        endpoint,
        endpointType: config.endpointType,
        productId: placement.productId,
        lifetimeSeconds: config.lifetimeSeconds,
        manufacturer: options.manufacturer ?? 'ShelfPulse',
        model: 'shelf-sim',
        firmwareVersion: options.firmwareVersion ?? '0.1.0',
        server: { address: options.serverAddress ?? config.server.host, port: config.server.port },
        bindAddress: options.bindAddress,
        initialCount: model.count,
        timing: options.timing,
        retryMinMs: options.retryMinMs,
        log: options.log,
      });
      const shelf: Shelf = {
        index,
        endpoint,
        placement,
        model,
        client,
        timer: undefined,
        pending: undefined,
        observed: false,
      };
      client.on('observed', (path: string) => {
        if (path === countPath) shelf.observed = true;
      });
      this.shelves.push(shelf);
    }
  }

  get endpoints(): string[] {
    return this.shelves.map((s) => s.endpoint);
  }

  client(local: number): ShelfClient | undefined {
    return this.shelves[local]?.client;
  }

  /** Opens every shelf's socket, starts the shopper models, and registers (spread over the ramp). */
  async start(): Promise<void> {
    this.running = true;
    const ramp = this.options.rampMs ?? Math.min(10_000, this.shelves.length * 2);
    const started = Date.now();
    for (let i = 0; i < this.shelves.length && this.running; i++) {
      const shelf = this.shelves[i]!;
      const due = started + (ramp * i) / this.shelves.length - Date.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      if (!this.running) break;
      try {
        await shelf.client.start();
      } catch (error) {
        const reason =
          (error as NodeJS.ErrnoException).code === 'EMFILE'
            ? ' (raise the open-files limit, ulimit -n)'
            : '';
        throw new Error(
          `cannot open a UDP socket for shelf ${shelf.endpoint}: ${(error as Error).message}${reason}`,
          {
            cause: error,
          },
        );
      }
      this.pump(shelf);
    }
  }

  stats(): RunnerStats {
    const stats: RunnerStats = {
      shelves: this.shelves.length,
      registered: 0,
      events: { ...this.events },
      observedItems: { ...this.observedItems },
      notifications: 0,
      droppedNotifications: 0,
      errors: 0,
      simTimeMs: this.clock.simNow(),
    };
    for (const { client } of this.shelves) {
      if (client.state === 'registered') stats.registered++;
      stats.notifications += client.counters.notifications;
      stats.droppedNotifications += client.counters.droppedNotifications;
      stats.errors += client.counters.errors;
    }
    return stats;
  }

  /** Stops the shoppers; the shelves stay registered and keep answering the server. */
  stopShoppers(): void {
    this.running = false;
    for (const shelf of this.shelves) clearTimeout(shelf.timer);
  }

  /** Stops the shoppers and de-registers every shelf (in parallel, bounded by timeoutMs). */
  async stop(options: { deregister?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.stopShoppers();
    await Promise.all(this.shelves.map((s) => s.client.stop(options)));
  }

  /** Plays out every event that is due, then sleeps until the next one. */
  private pump(shelf: Shelf): void {
    shelf.timer = undefined;
    while (this.running) {
      const horizon = this.clock.simNow() + LOOKAHEAD_REAL_MS * this.config.speedup;
      const event = shelf.pending ?? shelf.model.next(horizon);
      shelf.pending = undefined;
      if (!event) {
        shelf.timer = setTimeout(() => this.pump(shelf), this.clock.delayUntil(horizon));
        return;
      }
      const delay = this.clock.delayUntil(event.timeMs);
      if (delay > 0) {
        shelf.pending = event;
        shelf.timer = setTimeout(() => this.pump(shelf), delay);
        return;
      }
      this.apply(shelf, event);
    }
  }

  private apply(shelf: Shelf, event: ShelfEvent): void {
    this.events[event.kind]++;
    if (shelf.observed) this.observedItems[event.kind] += event.items;
    shelf.client.setCount(event.count);
    this.options.onEvent?.({
      ...event,
      time: new Date(event.timeMs).toISOString(),
      wallTime: new Date().toISOString(),
      fleet: this.config.fleet,
      namespace: this.config.namespace,
      endpoint: shelf.endpoint,
      shelf: shelf.index,
      productId: shelf.placement.productId,
      position: shelf.placement.position,
    });
  }
}
