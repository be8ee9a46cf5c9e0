// One target per tier (rollups.ts): the panel shows whichever answers for
// the current $__interval. refIds A, B, C… in tier order.
import { InfluxTargetBuilder } from './influx-target.ts';
import type { Select } from './influxql.ts';
import { tiers, type Tier } from './rollups.ts';

export function tieredTargets(query: (tier: Tier) => Select, alias: string): InfluxTargetBuilder[] {
  return bandedTargets(
    tiers.map((tier) => query(tier)),
    alias,
  );
}

/** Targets for queries whose WHERE already holds disjoint interval bands. */
export function bandedTargets(queries: Select[], alias: string): InfluxTargetBuilder[] {
  return queries.map((q, i) => new InfluxTargetBuilder(q).refId(String.fromCharCode(65 + i)).alias(alias));
}
