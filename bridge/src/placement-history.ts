// A fleet's placements over time, so that moving a product is an experiment
// the placement estimator can read rather than a confusion: whenever a fleet's
// placement of a product changes (its ShelfFleet spec, or the bridge's fleets),
// and once when a replica becomes active, the bridge writes a `placement` point
// into the fleet's sinks. Rules:
// - one point per (fleet, product) whose position, capacity or threshold is new
//   to this process: field placed=true, tag position = where it sits now;
// - a product that left the fleet's placements: placed=false, tagged with the
//   position it left;
// - a fleet that is gone altogether: placed=false for each of its products.
// The points are state, not events: writing the same placement twice is harmless.
import { placementHistory, type TagsOf } from '@shelfpulse/core/measurements';
import { integer, pointLine } from './line-protocol.ts';
import type { FleetRoute } from './routing.ts';

interface Recorded {
  route: FleetRoute;
  position: string;
  capacity: number;
  restockThreshold: number;
}

function line(r: Recorded, productId: string, placed: boolean, timeUs: number): string {
  const { fields } = placementHistory;
  return pointLine(
    placementHistory.measurement,
    {
      aisle: r.route.aisle,
      fleet: r.route.fleet,
      namespace: r.route.namespace,
      position: r.position,
      product_id: productId,
      store: r.route.store,
    } satisfies TagsOf<typeof placementHistory>,
    {
      [fields.placed]: placed,
      [fields.capacity]: integer(r.capacity),
      [fields.restockThreshold]: integer(r.restockThreshold),
    },
    timeUs,
  );
}

export class PlacementHistory {
  /** What this process last wrote, by sink and `namespace/fleet`, then product. */
  private recorded = new Map<string, Map<string, Recorded>>();

  /** Forget what was written: the next `changes` writes every placement (a replica that just became active). */
  reset(): void {
    this.recorded = new Map();
  }

  /**
   * Lines by sink for every placement that differs from what that sink was
   * last told. A sink the bridge cannot write to yet (`writable` false: a
   * MetricSink not loaded yet) is told later, at the first call that finds it.
   */
  changes(
    routes: readonly FleetRoute[],
    nowMs: number,
    writable: (sink: string) => boolean = () => true,
  ): Record<string, string[]> {
    const timeUs = nowMs * 1000;
    const points: Record<string, string[]> = {};
    const next = new Map<string, Map<string, Recorded>>();
    for (const route of routes) {
      for (const sink of route.sinks) {
        const key = `${sink}\u0000${route.namespace}/${route.fleet}`;
        const before = this.recorded.get(key) ?? new Map<string, Recorded>();
        if (!writable(sink)) {
          if (this.recorded.has(key)) next.set(key, before);
          continue;
        }
        const add = (text: string) => (points[sink] ??= []).push(text);
        const now = new Map<string, Recorded>();
        for (const p of route.placements) {
          if (now.has(p.productId)) continue; // the bridge tags with the first placement of a product
          const r = {
            route,
            position: p.position,
            capacity: p.capacity,
            restockThreshold: p.restockThreshold,
          };
          now.set(p.productId, r);
          const old = before.get(p.productId);
          if (
            old?.position === r.position &&
            old.capacity === r.capacity &&
            old.restockThreshold === r.restockThreshold
          )
            continue;
          if (old && old.position !== r.position) add(line(old, p.productId, false, timeUs));
          add(line(r, p.productId, true, timeUs));
        }
        for (const [productId, old] of before)
          if (!now.has(productId)) add(line(old, productId, false, timeUs));
        next.set(key, now);
      }
    }
    // Fleets (or a fleet's sinks) that are gone: their products left.
    for (const [key, before] of this.recorded) {
      if (next.has(key)) continue;
      const sink = key.slice(0, key.indexOf('\u0000'));
      if (!writable(sink)) continue;
      for (const [productId, old] of before) (points[sink] ??= []).push(line(old, productId, false, timeUs));
    }
    this.recorded = next;
    return points;
  }
}
