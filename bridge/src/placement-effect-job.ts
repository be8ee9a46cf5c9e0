// The placement estimator as part of the bridge: every interval the active
// replica reads each sink's shelf data of the last `windowHours` (product_count,
// pick-ups and put-backs, placement history), estimates the placement effects
// (src/placement-effect/) and writes them back into that sink as
// `placement_effect` points, one per product and position, for Grafana.
// A failed run is logged and retried at the next interval; the data path never waits for it.
import type { Logger } from 'pino';
import { z } from 'zod';
import { PositionSchema } from '@shelfpulse/core/api/placement';
import {
  placementEffect,
  placementHistory,
  productCount,
  shelfEvent,
  type TagsOf,
} from '@shelfpulse/core/measurements';
import {
  estimatePlacementEffects,
  type EffectRules,
  type PlacementEffect,
} from './placement-effect/estimate.ts';
import {
  exposureCells,
  type CountSample,
  type EventSample,
  type PlacementChange,
} from './placement-effect/exposure.ts';
import type { Bridge } from './bridge.ts';
import { influxQuery } from './influx-read.ts';
import { integer, pointLine } from './line-protocol.ts';

export const PlacementEffectConfigSchema = z
  .object({
    intervalMs: z
      .int()
      .min(0)
      .max(86_400_000)
      .refine((ms) => ms === 0 || ms >= 1000, 'at least 1000 ms, or 0 to switch the estimate off')
      .default(900_000)
      .describe('How often the active replica estimates placement effects; 0: never.'),
    windowHours: z
      .number()
      .min(0.01)
      .max(24 * 92)
      .default(168)
      .describe('Data of the last this many hours go into each estimate.'),
    reference: PositionSchema.default('eye-level').describe('The position every other one is compared with.'),
    minEvents: z
      .int()
      .min(1)
      .default(20)
      .describe('Fewer pick-ups than this at a position (or the reference): status too-little-data.'),
  })
  .describe('Placement effect estimate (placement_effect measurement).');
export type PlacementEffectConfig = z.infer<typeof PlacementEffectConfigSchema>;

/** One line per estimate; fields without a value (no interval) are left out. */
export function effectLine(e: PlacementEffect, windowHours: number, timeUs: number): string {
  const f = placementEffect.fields;
  const tags: TagsOf<typeof placementEffect> = {
    position: e.position,
    product_id: e.productId,
    reference: e.reference,
  };
  return pointLine(
    placementEffect.measurement,
    tags,
    {
      [f.ratio]: e.ratio?.estimate,
      [f.lower]: e.ratio?.lower,
      [f.upper]: e.ratio?.upper,
      [f.status]: e.status,
      [f.events]: integer(e.pickups),
      [f.putbacks]: integer(e.putbacks),
      [f.exposureHours]: e.exposureHours,
      [f.rate]: e.rate?.estimate,
      [f.putbackRatio]: e.putbackRatio?.estimate,
      [f.putbackLower]: e.putbackRatio?.lower,
      [f.putbackUpper]: e.putbackRatio?.upper,
      [f.putbackEffect]: e.putbackEffect?.estimate,
      [f.putbackEffectLower]: e.putbackEffect?.lower,
      [f.putbackEffectUpper]: e.putbackEffect?.upper,
      [f.putbackStatus]: e.putbackStatus,
      [f.windowHours]: windowHours,
    },
    timeUs,
  );
}

export interface SinkData {
  counts: CountSample[];
  events: EventSample[];
  changes: PlacementChange[];
}

const fleetOf = (tags: Record<string, string>) => `${tags['namespace'] ?? ''}/${tags['fleet'] ?? ''}`;
const optional = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** How far back the state of a shelf at the window's start is looked for (as baseline.ts does). */
const carryInLookback = '30d';

/**
 * The window's shelf data of one sink, in the estimator's terms, plus each
 * shelf's last count and the placement history before the window (up to
 * `carryInLookback`): they say what a quiet shelf held when the window opened,
 * so its exposure starts with the window, not at its first change.
 */
export async function readSinkData(
  sink: Parameters<typeof influxQuery>[0],
  fromMs: number,
  toMs: number,
): Promise<SinkData> {
  const range = `time >= ${Math.trunc(fromMs)}ms AND time < ${Math.trunc(toMs)}ms`;
  const by = 'GROUP BY "device_id", "product_id", "position", "fleet", "namespace"';
  const before = `time > ${Math.trunc(fromMs)}ms - ${carryInLookback}`;
  const [carriedSeries, countSeries, eventSeries, placementSeries] = await Promise.all([
    influxQuery(
      sink,
      `SELECT last("${productCount.field}") FROM "${productCount.measurement}" WHERE ${before} AND time < ${Math.trunc(fromMs)}ms ${by}`,
    ),
    influxQuery(
      sink,
      `SELECT "${productCount.field}" FROM "${productCount.measurement}" WHERE ${range} ${by}`,
    ),
    influxQuery(
      sink,
      `SELECT "${shelfEvent.field}" FROM "${shelfEvent.measurement}" WHERE ("${shelfEvent.kindTag}" = 'pickup' OR "${shelfEvent.kindTag}" = 'putback') AND ${range} ${by}, "${shelfEvent.kindTag}"`,
    ),
    influxQuery(
      sink,
      `SELECT "${placementHistory.fields.placed}" FROM "${placementHistory.measurement}" WHERE ${before} AND time < ${Math.trunc(toMs)}ms GROUP BY "fleet", "namespace", "product_id", "position"`,
    ),
  ]);
  // One series per device and tag set it ever had: the latest one is the shelf's state.
  const carried = new Map<string, CountSample>();
  for (const s of carriedSeries) {
    const [time, count] = s.values[0] ?? [];
    const deviceId = s.tags['device_id'] ?? '';
    if ((carried.get(deviceId)?.timeMs ?? -Infinity) >= Number(time)) continue;
    carried.set(deviceId, {
      timeMs: Number(time),
      deviceId,
      fleet: fleetOf(s.tags),
      productId: optional(s.tags['product_id']),
      position: optional(s.tags['position']),
      count: Number(count),
    });
  }
  const counts = [...carried.values()];
  const inWindow = countSeries.flatMap((s) =>
    s.values.map(([time, count]): CountSample => ({
      timeMs: Number(time),
      deviceId: s.tags['device_id'] ?? '',
      fleet: fleetOf(s.tags),
      productId: optional(s.tags['product_id']),
      position: optional(s.tags['position']),
      count: Number(count),
    })),
  );
  counts.push(...inWindow);
  const events = eventSeries.flatMap((s) =>
    s.values.map(([time]): EventSample => ({
      timeMs: Number(time),
      deviceId: s.tags['device_id'] ?? '',
      fleet: fleetOf(s.tags),
      productId: optional(s.tags['product_id']),
      position: optional(s.tags['position']),
      kind: s.tags[shelfEvent.kindTag] === 'pickup' ? 'pickup' : 'putback',
    })),
  );
  const changes = placementSeries.flatMap((s) =>
    s.values.map(([time, placed]): PlacementChange => ({
      timeMs: Number(time),
      fleet: fleetOf(s.tags),
      productId: s.tags['product_id'] ?? '',
      position: s.tags['position'] ?? '',
      placed: placed === true,
    })),
  );
  return { counts, events, changes };
}

export interface PlacementEffectJobOptions {
  bridge: Bridge;
  config: PlacementEffectConfig;
  log: Logger;
  /** Only the replica taking notifications estimates. */
  active: () => boolean;
}

export class PlacementEffectJob {
  private readonly options: PlacementEffectJobOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(options: PlacementEffectJobOptions) {
    this.options = options;
  }

  start(): void {
    if (this.options.config.intervalMs === 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.config.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One estimate per sink, written into that sink; resolves with the estimates by sink. */
  runOnce(nowMs = Date.now()): Promise<Record<string, PlacementEffect[]>> {
    const run = this.running.then(() => this.estimate(nowMs));
    this.running = run.catch(() => undefined);
    return run;
  }

  private async estimate(nowMs: number): Promise<Record<string, PlacementEffect[]>> {
    const { bridge, config, log } = this.options;
    const results: Record<string, PlacementEffect[]> = {};
    if (!this.options.active() || !bridge.open) return results;
    const rules: EffectRules = { reference: config.reference, minEvents: config.minEvents };
    const fromMs = nowMs - config.windowHours * 3_600_000;
    for (const [name, writer] of bridge.sinks) {
      try {
        const data = await readSinkData(writer.config, fromMs, nowMs);
        const effects = estimatePlacementEffects(
          exposureCells(data.counts, data.events, data.changes, nowMs, fromMs),
          rules,
        );
        results[name] = effects;
        if (effects.length > 0)
          bridge.writeOwn(
            { [name]: effects.map((e) => effectLine(e, config.windowHours, nowMs * 1000)) },
            nowMs,
          );
      } catch (error) {
        log.warn({ sink: name, err: String(error) }, 'placement effect not estimated');
      }
    }
    return results;
  }
}
