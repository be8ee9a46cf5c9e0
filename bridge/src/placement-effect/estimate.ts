// The effect of placement on what shoppers do with a product. The rules (the
// README's "Placement effect" says the same for an analyst):
// - handling rate: pick-ups per hour of exposure (exposure.ts: time at the
//   position with items on the shelf), per product and position;
// - effect of a position: its handling rate relative to the reference position
//   (eye level), as a rate ratio from a log-linear Poisson model
//     pick-ups ~ Poisson(exposure · exp(product + position + hour of day [+ fleet]))
//   fitted by IRLS (poisson-glm.ts), with a 95 % Wald interval on the log scale.
//   Hour-of-day effects adjust for the daily traffic curve: a position that was
//   held mostly in busy hours is not credited for the crowd;
// - per product the model compares the product with itself (product fixed,
//   hour of day adjusted); the pooled row (product `(all)`) fits one effect per
//   position over every product, adjusted also for product popularity and for
//   each fleet's traffic. When a position cannot be told apart from a fleet
//   (every shelf at it is in one fleet that has no other position), it is
//   `not-estimable` rather than a guess;
// - put-back ratio: put-backs per pick-up with a Wilson interval; its effect is
//   the ratio to the reference's put-back ratio (Katz log interval);
// - status: `reference`; `too-little-data` when the position or the reference
//   has fewer than `minEvents` pick-ups; `no-reference` when the product never
//   sat at the reference; `higher` / `lower` only when the whole interval is
//   above / below 1; otherwise `not-distinguishable`, never a winner.
import { allProducts } from '@shelfpulse/core/measurements';
import { fitPoissonGlm } from './poisson-glm.ts';
import { logScaleRatio, poissonRate, proportionRatio, wilson, type Interval } from './intervals.ts';
import type { Cell } from './exposure.ts';

export const effectStatuses = [
  'reference',
  'higher',
  'lower',
  'not-distinguishable',
  'too-little-data',
  'no-reference',
  'not-estimable',
] as const;
export type EffectStatus = (typeof effectStatuses)[number];

export interface EffectRules {
  /** The position every other one is compared with. */
  reference: string;
  /** Fewer pick-ups than this at a position (or at the reference): too little data. */
  minEvents: number;
}

export const defaultEffectRules: EffectRules = { reference: 'eye-level', minEvents: 20 };

export interface PlacementEffect {
  productId: string;
  position: string;
  reference: string;
  pickups: number;
  putbacks: number;
  exposureHours: number;
  /** Pick-ups per hour of exposure. */
  rate?: Interval | undefined;
  /** Handling rate relative to the reference position (adjusted), when estimable. */
  ratio?: Interval | undefined;
  status: EffectStatus;
  /** Put-backs per pick-up. */
  putbackRatio?: Interval | undefined;
  /** Put-back ratio relative to the reference position's. */
  putbackEffect?: Interval | undefined;
  putbackStatus: EffectStatus;
}

interface Totals {
  pickups: number;
  putbacks: number;
  exposureHours: number;
}

function totalsBy(cells: readonly Cell[], key: (c: Cell) => string): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (const c of cells) {
    const t = totals.get(key(c)) ?? { pickups: 0, putbacks: 0, exposureHours: 0 };
    t.pickups += c.pickups;
    t.putbacks += c.putbacks;
    t.exposureHours += c.exposureHours;
    totals.set(key(c), t);
  }
  return totals;
}

function verdict(interval: Interval): EffectStatus {
  if (interval.lower > 1) return 'higher';
  if (interval.upper < 1) return 'lower';
  return 'not-distinguishable';
}

/** One categorical factor as dummy columns, the first level (sorted) being the baseline. */
interface Factor {
  name: string;
  of: (c: Cell) => string;
  baseline?: string;
}

/**
 * Rate ratios of each non-reference position against the reference, from the
 * Poisson model over `cells` with the given nuisance factors. A level with no
 * pick-ups at all has an effect of minus infinity and its cells say nothing
 * about the rest, so such cells are left out before fitting (exactly what the
 * maximum-likelihood fit would converge to).
 */
function positionRatios(
  cells: readonly Cell[],
  positions: readonly string[],
  reference: string,
  nuisance: readonly Factor[],
): Map<string, Interval | 'not-estimable'> {
  const factors: Factor[] = [...nuisance, { name: 'position', of: (c) => c.position, baseline: reference }];
  let used = cells.filter((c) => c.exposureHours > 0 && positions.includes(c.position));
  for (const factor of factors) {
    const events = totalsBy(used, factor.of);
    used = used.filter((c) => (events.get(factor.of(c))?.pickups ?? 0) > 0);
  }
  const columns: { factor: Factor; level: string }[] = [];
  for (const factor of factors) {
    const levels = [...new Set(used.map(factor.of))].sort();
    const baseline = factor.baseline ?? levels[0];
    for (const level of levels) if (level !== baseline) columns.push({ factor, level });
  }
  const x = used.map((c) => [1, ...columns.map(({ factor, level }) => (factor.of(c) === level ? 1 : 0))]);
  const fit = fitPoissonGlm(
    x,
    used.map((c) => c.pickups),
    used.map((c) => c.exposureHours),
  );
  const ratios = new Map<string, Interval | 'not-estimable'>();
  columns.forEach(({ factor, level }, j) => {
    if (factor.name !== 'position') return;
    const ratio = fit.converged ? logScaleRatio(fit.beta[j + 1]!, fit.se[j + 1]!) : undefined;
    ratios.set(level, ratio ?? 'not-estimable');
  });
  return ratios;
}

/** Effects of every position of one product (or of all, pooled), against the reference. */
function effectsOf(
  productId: string,
  cells: readonly Cell[],
  rules: EffectRules,
  nuisance: readonly Factor[],
): PlacementEffect[] {
  const byPosition = totalsBy(cells, (c) => c.position);
  const ref = byPosition.get(rules.reference);
  const enough = (t: Totals | undefined) =>
    (t?.pickups ?? 0) >= rules.minEvents && (t?.exposureHours ?? 0) > 0;
  const comparable = [...byPosition].filter(([, t]) => enough(t)).map(([p]) => p);
  const ratios =
    enough(ref) && comparable.length > 1
      ? positionRatios(cells, comparable, rules.reference, nuisance)
      : new Map<string, Interval | 'not-estimable'>();
  return [...byPosition]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([position, t]): PlacementEffect => {
      const isReference = position === rules.reference;
      const ratio = ratios.get(position);
      const status: EffectStatus = isReference
        ? 'reference'
        : !ref
          ? 'no-reference'
          : !enough(t) || !enough(ref)
            ? 'too-little-data'
            : ratio === undefined || ratio === 'not-estimable'
              ? 'not-estimable'
              : verdict(ratio);
      const putbackEffect =
        !isReference && ref && enough(t) && enough(ref)
          ? proportionRatio(t.putbacks, t.pickups, ref.putbacks, ref.pickups)
          : undefined;
      const putbackStatus: EffectStatus = isReference
        ? 'reference'
        : !ref
          ? 'no-reference'
          : putbackEffect
            ? verdict(putbackEffect)
            : 'too-little-data';
      return {
        productId,
        position,
        reference: rules.reference,
        pickups: t.pickups,
        putbacks: t.putbacks,
        exposureHours: t.exposureHours,
        rate: poissonRate(t.pickups, t.exposureHours),
        ratio: isReference
          ? { estimate: 1, lower: 1, upper: 1 }
          : ratio === 'not-estimable'
            ? undefined
            : ratio,
        status,
        putbackRatio: wilson(t.putbacks, t.pickups),
        putbackEffect: isReference ? { estimate: 1, lower: 1, upper: 1 } : putbackEffect,
        putbackStatus,
      };
    });
}

const hour: Factor = { name: 'hour', of: (c) => String(c.hour) };
const product: Factor = { name: 'product', of: (c) => c.productId };
const fleet: Factor = { name: 'fleet', of: (c) => c.fleet };

/** Per product (the product against itself), then pooled over all products as `(all)`. */
export function estimatePlacementEffects(
  cells: readonly Cell[],
  rules: EffectRules = defaultEffectRules,
): PlacementEffect[] {
  const byProduct = Map.groupBy(cells, (c) => c.productId);
  const perProduct = [...byProduct.keys()]
    .sort()
    .flatMap((productId) => effectsOf(productId, byProduct.get(productId)!, rules, [hour]));
  return [...perProduct, ...effectsOf(allProducts, cells, rules, [product, hour, fleet])];
}
