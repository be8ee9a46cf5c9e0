// Several days of shelf activity on the scenario's four shelves (two stores),
// seeded and deterministic: what the rollup tests need to compare hourly
// rollups with raw points over long ranges. Every shelf sees a count change
// every 1–40 minutes (pick-ups, put-backs of what was taken, restocks when
// low), and the bridge reports its health every 10 minutes.
import type { FleetReport, GroundTruth, Interaction, Kind, Reading, SinkReport } from './ground-truth.ts';
import { seededRandom } from '@shelfpulse/testenv';
import { shelves } from './scenario.ts';

export function daysGroundTruth(fromMs: number, days: number, seed = 17): GroundTruth {
  const next = seededRandom(seed);
  const toMs = fromMs + days * 86_400_000;
  const readings: Reading[] = shelves.map((shelf) => ({
    timeMs: fromMs,
    device_id: shelf.device_id,
    count: shelf.capacity,
  }));
  const interactions: Interaction[] = [];
  for (const shelf of shelves) {
    let count = shelf.capacity;
    let taken = 0;
    for (
      let t = fromMs + 60_000 + Math.floor(next() * 60_000);
      t < toMs - 3_600_000;
      t += 60_000 + Math.floor(next() * 2_340_000)
    ) {
      let kind: Kind;
      let items: number;
      if (count <= 1) {
        kind = 'restock';
        items = shelf.capacity - count;
        taken = 0;
      } else if (taken > 0 && next() < 0.3) {
        kind = 'putback';
        items = 1 + Math.floor(next() * taken);
        taken -= items;
      } else {
        kind = 'pickup';
        items = 1 + Math.floor(next() * Math.min(3, count));
        taken = Math.min(3, taken + items);
      }
      count += kind === 'pickup' ? -items : items;
      interactions.push({ timeMs: t, device_id: shelf.device_id, kind, items, count });
    }
  }
  // One shelf ends the days empty, so that "Empty shelves" has something to count.
  const last = interactions.filter((i) => i.device_id === 'shelf-2').at(-1)!;
  if (last.count > 0)
    interactions.push({
      timeMs: toMs - 1_800_000,
      device_id: 'shelf-2',
      kind: 'pickup',
      items: last.count,
      count: 0,
    });
  interactions.sort((a, b) => a.timeMs - b.timeMs);
  const fleetReports: FleetReport[] = [];
  const sinkReports: SinkReport[] = [];
  let errors = 0;
  for (let t = fromMs; t < toMs; t += 600_000) {
    for (const fleet of ['aisle-7', 'promo']) {
      const inFleet = shelves.filter((shelf) => shelf.fleet === fleet).map((shelf) => shelf.device_id);
      fleetReports.push({
        timeMs: t,
        pod: 'bridge-0',
        fleet,
        namespace: 'shop',
        devices_registered: inFleet.length,
        notifications_total: [...readings, ...interactions].filter(
          (e) => inFleet.includes(e.device_id) && e.timeMs <= t,
        ).length,
      });
    }
    if (next() < 0.05) errors += 1;
    sinkReports.push({
      timeMs: t,
      pod: 'bridge-0',
      sink: 'default',
      namespace: 'shop',
      write_errors_total: errors,
      points_dropped_total: 0,
      buffer_depth: Math.floor(next() * 50),
    });
  }
  return {
    exactTimestamps: true,
    fromMs,
    toMs: toMs - 1,
    shelves,
    readings,
    interactions,
    fleetReports,
    sinkReports,
  };
}
