// What happened on the shelves, independent of how it reached InfluxDB. Panel
// expectations are computed from this, never from InfluxDB.
import type { EffectRules } from '@shelfpulse/bridge/placement-effect/estimate';
import { shelfTags } from '@shelfpulse/core/measurements';

/**
 * How both sources estimate placement effects: the bridge's rules, but an
 * estimate from a single pick-up, so that the few minutes of a panel test
 * still give rate ratios to compare.
 */
export const effectRules: EffectRules = { reference: 'eye-level', minEvents: 1 };

export type Kind = 'pickup' | 'putback' | 'restock';

export interface Shelf {
  device_id: string;
  product_id: string;
  fleet: string;
  namespace: string;
  store: string;
  aisle: string;
  position: string;
  capacity: number;
}

/** One count change on one shelf; `count` is the shelf's count after it. */
export interface Interaction {
  timeMs: number;
  device_id: string;
  kind: Kind;
  items: number;
  count: number;
}

/** A reading of product_count that is not an interaction (the first report after registration). */
export interface Reading {
  timeMs: number;
  device_id: string;
  count: number;
}

/** The bridge's own health reports (core/src/measurements.ts, bridgeFleetHealth / bridgeSinkHealth). */
export interface FleetReport {
  timeMs: number;
  pod: string;
  fleet: string;
  namespace: string;
  devices_registered: number;
  notifications_total: number;
}

export interface SinkReport {
  timeMs: number;
  pod: string;
  sink: string;
  namespace: string;
  write_errors_total: number;
  points_dropped_total: number;
  buffer_depth: number;
}

export interface GroundTruth {
  /**
   * True when points carry exactly the ground truth's timestamps (the scenario
   * fill). A pipeline fill stamps points on arrival, so only totals over the
   * range are compared, not individual time buckets.
   */
  exactTimestamps: boolean;
  fromMs: number;
  toMs: number;
  shelves: Shelf[];
  readings: Reading[];
  interactions: Interaction[];
  fleetReports: FleetReport[];
  sinkReports: SinkReport[];
}

/**
 * Where panel tests get their data: something that puts points into InfluxDB
 * database `db` at `url` and says what really happened. The scenario fill
 * writes the points itself; a pipeline fill runs shelf-sim → device cloud →
 * bridge and returns the simulator's log.
 */
export type DataSource = (target: { url: string; db: string }) => Promise<GroundTruth>;

export function tagsOf(shelf: Shelf): Record<(typeof shelfTags)[number], string> {
  return Object.fromEntries(shelfTags.map((tag) => [tag, shelf[tag]])) as Record<
    (typeof shelfTags)[number],
    string
  >;
}
