// The shopper model of one shelf: a pure, deterministic function of the seed,
// the behaviour and placement, and the simulated clock. It knows nothing of the
// network; the runner asks it for the next count change and plays it out.
import type { Behaviour } from '@shelfpulse/core/api/behaviour';
import { defaultAttractiveness, type Placement } from '@shelfpulse/core/api/placement';
import type { ShelfEvent } from './ground-truth.ts';
import { Random } from './random.ts';
import { ShopperArrivals } from './shopper-arrivals.ts';

export interface ShelfModelOptions {
  behaviour: Behaviour;
  placement: Placement;
  seed: number;
  /** Stream of the seed this shelf uses: its global index. */
  shelf: number;
  /** Simulated start, epoch ms. */
  startMs: number;
  /** Items on the shelf at the start (default: capacity). */
  initialCount?: number | undefined;
}

/** What the model has done so far, for statistics and the live summary. */
export interface ShelfModelStats {
  shoppers: number;
  /** Shoppers who decided to handle the product (whether or not any was left). */
  wantedToHandle: number;
  /** Shoppers who picked items up. */
  handled: number;
  /** Handling shoppers who found the shelf empty. */
  foundEmpty: number;
  putBackShoppers: number;
  itemsPickedUp: number;
  itemsPutBack: number;
  restocks: number;
  itemsRestocked: number;
}

interface PendingPutBack {
  timeMs: number;
  items: number;
  shopper: number;
}

export class ShelfModel {
  readonly stats: ShelfModelStats = {
    shoppers: 0,
    wantedToHandle: 0,
    handled: 0,
    foundEmpty: 0,
    putBackShoppers: 0,
    itemsPickedUp: 0,
    itemsPutBack: 0,
    restocks: 0,
    itemsRestocked: 0,
  };
  /** Probability that a passing shopper handles this shelf's product. */
  readonly handleProbability: number;
  private readonly behaviour: Behaviour;
  private readonly placement: Placement;
  private readonly random: Random;
  private readonly arrivals: ShopperArrivals;
  private readonly pickupTotalWeight: number;
  private countValue: number;
  private nowMs: number;
  private nextArrivalMs: number;
  private restockAtMs = Infinity;
  /** Kept sorted by time; rarely more than a few entries. */
  private readonly putBacks: PendingPutBack[] = [];

  constructor(options: ShelfModelOptions) {
    this.behaviour = options.behaviour;
    this.placement = options.placement;
    this.random = new Random(options.seed, options.shelf);
    this.arrivals = new ShopperArrivals(
      options.behaviour.shoppersPerHour,
      options.behaviour.dailyProfile,
      this.random,
    );
    const attractiveness =
      options.behaviour.attractiveness[options.placement.position] ??
      defaultAttractiveness[options.placement.position];
    this.handleProbability = Math.min(1, options.behaviour.handleProbability * attractiveness);
    this.pickupTotalWeight = options.behaviour.pickupItemWeights.reduce((a, b) => a + b, 0);
    this.countValue = options.initialCount ?? options.placement.capacity;
    this.nowMs = options.startMs;
    this.nextArrivalMs = this.arrivals.next(options.startMs);
    this.scheduleRestockIfLow();
  }

  /** Items on the shelf after the last event returned by next(). */
  get count(): number {
    return this.countValue;
  }

  /** Simulated time the model has reached. */
  get timeMs(): number {
    return this.nowMs;
  }

  /**
   * Advances to the next count change at or before `untilMs` and returns it, or
   * returns undefined (having advanced to `untilMs`) when there is none.
   */
  next(untilMs: number): ShelfEvent | undefined {
    for (;;) {
      const putBack = this.putBacks[0];
      const putBackMs = putBack?.timeMs ?? Infinity;
      const at = Math.min(putBackMs, this.restockAtMs, this.nextArrivalMs);
      if (at > untilMs) {
        this.nowMs = Math.max(this.nowMs, untilMs);
        return undefined;
      }
      this.nowMs = at;
      let event: ShelfEvent | undefined;
      if (putBack && putBackMs === at) {
        this.putBacks.shift();
        event = this.putBack(putBack);
      } else if (this.restockAtMs === at) {
        event = this.restock();
      } else {
        event = this.shopperPasses();
        this.nextArrivalMs = this.arrivals.next(at);
      }
      if (event) return event;
    }
  }

  private shopperPasses(): ShelfEvent | undefined {
    this.stats.shoppers++;
    if (!this.random.chance(this.handleProbability)) return undefined;
    this.stats.wantedToHandle++;
    const wanted = this.random.weighted(this.behaviour.pickupItemWeights, this.pickupTotalWeight) + 1;
    const items = Math.min(wanted, this.countValue);
    if (items === 0) {
      this.stats.foundEmpty++;
      return undefined;
    }
    const shopper = this.stats.handled + 1;
    this.stats.handled++;
    this.stats.itemsPickedUp += items;
    this.countValue -= items;
    if (this.random.chance(this.behaviour.putBackProbability)) {
      const returned =
        items === 1 || this.random.chance(this.behaviour.putBackAllProbability)
          ? items
          : this.random.int(1, items - 1);
      this.addPutBack({
        timeMs: this.nowMs + this.random.exponential(this.behaviour.dwellSecondsMean * 1000),
        items: returned,
        shopper,
      });
    }
    this.scheduleRestockIfLow();
    return { kind: 'pickup', timeMs: this.nowMs, items, count: this.countValue, shopper };
  }

  private putBack(pending: PendingPutBack): ShelfEvent {
    this.stats.putBackShoppers++;
    this.stats.itemsPutBack += pending.items;
    this.countValue += pending.items;
    return {
      kind: 'putback',
      timeMs: this.nowMs,
      items: pending.items,
      count: this.countValue,
      shopper: pending.shopper,
    };
  }

  /** Staff fill the shelf to capacity if it is still low when they get to it. */
  private restock(): ShelfEvent | undefined {
    this.restockAtMs = Infinity;
    if (this.countValue >= this.placement.restockThreshold) return undefined;
    const items = this.placement.capacity - this.countValue;
    this.stats.restocks++;
    this.stats.itemsRestocked += items;
    this.countValue = this.placement.capacity;
    return { kind: 'restock', timeMs: this.nowMs, items, count: this.countValue };
  }

  private scheduleRestockIfLow(): void {
    if (this.countValue >= this.placement.restockThreshold || this.restockAtMs !== Infinity) return;
    this.restockAtMs = this.nowMs + this.random.exponential(this.behaviour.restockDelaySecondsMean * 1000);
  }

  private addPutBack(pending: PendingPutBack): void {
    let i = this.putBacks.length;
    while (i > 0 && (this.putBacks[i - 1]?.timeMs ?? 0) > pending.timeMs) i--;
    this.putBacks.splice(i, 0, pending);
  }
}
