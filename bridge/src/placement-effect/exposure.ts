// From what InfluxDB holds about shelves to the cells the placement model
// fits: events and exposure per product, position, fleet and hour of day.
// The rules:
// - a shelf's state (product, position, item count) is that of its latest
//   product_count point, or of its fleet's latest `placement` point for its
//   product when that is newer (a spec change moves a product at once, before
//   its next count change);
// - exposure is the time a shelf held the product at that position with at
//   least one item on it: an empty shelf cannot be picked up from, so its
//   empty hours are no evidence about the position;
// - a shelf counts from its first product_count point (or the window's start,
//   when a point before the window says what the shelf held then) to the
//   window's end; its events count from then on, at the product and position
//   the bridge tagged them with;
// - hour of day is the UTC hour (one store's local hours are a fixed shift of
//   it, which the per-hour effects absorb).

export interface CountSample {
  timeMs: number;
  deviceId: string;
  /** `namespace/fleet`: shelves of one fleet share its placements. */
  fleet: string;
  productId?: string | undefined;
  position?: string | undefined;
  count: number;
}

export interface EventSample {
  timeMs: number;
  deviceId: string;
  fleet: string;
  productId?: string | undefined;
  position?: string | undefined;
  kind: 'pickup' | 'putback';
}

/** A fleet's placement of a product changed (or was recorded at the bridge's start). */
export interface PlacementChange {
  timeMs: number;
  fleet: string;
  productId: string;
  position: string;
  /** False when the product left the fleet's placements. */
  placed: boolean;
}

export interface Cell {
  productId: string;
  position: string;
  fleet: string;
  hour: number;
  exposureHours: number;
  pickups: number;
  putbacks: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function hourOf(timeMs: number): number {
  return Math.floor((((timeMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

class Cells {
  readonly byKey = new Map<string, Cell>();

  at(productId: string, position: string, fleet: string, hour: number): Cell {
    const key = `${productId}\u0000${position}\u0000${fleet}\u0000${hour}`;
    let cell = this.byKey.get(key);
    if (!cell)
      this.byKey.set(
        key,
        (cell = { productId, position, fleet, hour, exposureHours: 0, pickups: 0, putbacks: 0 }),
      );
    return cell;
  }

  /** Adds [fromMs, toMs) to the cells of each hour it spans. */
  expose(productId: string, position: string, fleet: string, fromMs: number, toMs: number): void {
    for (let t = fromMs; t < toMs;) {
      const end = Math.min(toMs, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
      this.at(productId, position, fleet, hourOf(t)).exposureHours += (end - t) / HOUR_MS;
      t = end;
    }
  }
}

type Moment = { timeMs: number; sample: CountSample } | { timeMs: number; change: PlacementChange };

/**
 * Events and exposure per product, position, fleet and hour, over
 * [max(first sample, windowStartMs), windowEndMs). Samples and placement
 * changes before the window only set each shelf's state at its start.
 */
export function exposureCells(
  counts: readonly CountSample[],
  events: readonly EventSample[],
  changes: readonly PlacementChange[],
  windowEndMs: number,
  windowStartMs = -Infinity,
): Cell[] {
  const cells = new Cells();
  const samplesByDevice = Map.groupBy(counts, (c) => c.deviceId);
  const changesByFleet = Map.groupBy(changes, (c) => c.fleet);
  const startOf = new Map<string, number>();
  for (const [deviceId, samples] of samplesByDevice) {
    const fleet = samples[0]!.fleet;
    const moments: Moment[] = [
      ...samples.map((sample) => ({ timeMs: sample.timeMs, sample })),
      ...(changesByFleet.get(fleet) ?? []).map((change) => ({ timeMs: change.timeMs, change })),
    ];
    // At equal times: the count point, then a product leaving a position, then it arriving at
    // one (a move is written as both, at one time).
    const rank = (m: Moment) => ('sample' in m ? 0 : m.change.placed ? 2 : 1);
    moments.sort((a, b) => a.timeMs - b.timeMs || rank(a) - rank(b));
    const first = Math.min(...samples.map((s) => s.timeMs));
    startOf.set(deviceId, Math.max(first, windowStartMs));
    let productId: string | undefined;
    let position: string | undefined;
    let count = 0;
    let since = Math.max(first, windowStartMs);
    const close = (untilMs: number): void => {
      const until = Math.min(untilMs, windowEndMs);
      if (productId !== undefined && position !== undefined && count > 0 && until > since)
        cells.expose(productId, position, fleet, since, until);
      since = Math.max(since, until);
    };
    for (const moment of moments) {
      // Before its first point the shelf's state is unknown; that point sets all of it.
      if (moment.timeMs < first) continue;
      close(moment.timeMs);
      if ('sample' in moment) {
        productId = moment.sample.productId;
        position = moment.sample.position;
        count = moment.sample.count;
      } else if (moment.change.productId === productId) {
        if (moment.change.placed) position = moment.change.position;
        else if (moment.change.position === position) position = undefined;
      }
    }
    close(windowEndMs);
  }
  for (const event of events) {
    const start = startOf.get(event.deviceId);
    if (start === undefined || event.timeMs < start || event.timeMs >= windowEndMs) continue;
    if (event.productId === undefined || event.position === undefined) continue;
    const cell = cells.at(event.productId, event.position, event.fleet, hourOf(event.timeMs));
    if (event.kind === 'pickup') cell.pickups++;
    else cell.putbacks++;
  }
  return [...cells.byKey.values()];
}
