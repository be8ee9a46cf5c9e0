// The shopper model's own event stream, turned into what the bridge would have
// written (product_count after every change, shelf_event per pick-up and
// put-back), so the estimator can be checked against the model's settings
// without the network in between.
import { BehaviourSchema, type Behaviour } from '@shelfpulse/core/api/behaviour';
import type { Placement } from '@shelfpulse/core/api/placement';
import { ShelfModel } from '@shelfpulse/simulator/shelf/shelf-model';
import type { CountSample, EventSample } from '../../../src/placement-effect/exposure.ts';

export const configured = {
  attractiveness: { 'end-cap': 1.6, low: 0.4, 'eye-level': 1.0 },
  putBackProbability: 0.3,
};

export const behaviour: Behaviour = BehaviourSchema.parse({
  shoppersPerHour: 60,
  handleProbability: 0.25,
  attractiveness: configured.attractiveness,
  putBackProbability: configured.putBackProbability,
});

/** Two products, each at eye level, end cap and low; small shelves run empty now and then. */
export const placements: Placement[] = ['cola', 'chips'].flatMap((productId) =>
  (['eye-level', 'end-cap', 'low'] as const).map((position) => ({
    productId,
    position,
    capacity: 10,
    restockThreshold: 3,
  })),
);

export const startMs = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;

export interface Stream {
  counts: CountSample[];
  events: EventSample[];
  endMs: number;
}

/** `days` of shoppers on one shelf per placement, seeded. */
export function shopperStream(seed: number, days: number, shelves: Placement[] = placements): Stream {
  const endMs = startMs + days * DAY_MS;
  const counts: CountSample[] = [];
  const events: EventSample[] = [];
  shelves.forEach((placement, shelf) => {
    const model = new ShelfModel({ behaviour, placement, seed, shelf, startMs });
    const tags = {
      deviceId: `shelf-${shelf}`,
      fleet: 'shop/aisle-1',
      productId: placement.productId,
      position: placement.position,
    };
    counts.push({ ...tags, timeMs: startMs, count: model.count });
    for (let event = model.next(endMs); event; event = model.next(endMs)) {
      counts.push({ ...tags, timeMs: event.timeMs, count: event.count });
      if (event.kind !== 'restock') events.push({ ...tags, timeMs: event.timeMs, kind: event.kind });
    }
  });
  return { counts, events, endMs };
}
