// Shared query fragments for the dashboards.
import { shelfEvent } from '@shelfpulse/core/measurements';
import { tagIn, tagMatchesVariable } from './influxql.ts';
import { filterConditions } from './variables.ts';

/** Every variable filter plus the time range. */
export function shelfFilters(): string[] {
  return [...filterConditions(), '$timeFilter'];
}

export function kindIs(...kinds: (typeof shelfEvent.kinds)[number][]): string {
  return tagIn(shelfEvent.kindTag, kinds);
}

export function fleetFilter(): string {
  return tagMatchesVariable('fleet', 'fleet');
}
