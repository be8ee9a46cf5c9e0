// Dashboard 4: the retailer's question — does placement (eye level, low, end
// cap…) change how often a product is handled, and how often it is taken?
// The sums show what happened; the estimate table says what placement itself
// did, with 95 % intervals (the bridge's placement_effect, README "Placement effect").
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { allProducts, placementEffect, shelfEvent } from '@shelfpulse/core/measurements';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { InfluxTargetBuilder } from '../influx-target.ts';
import { ident, literal, select, tagMatchesVariable } from '../influxql.ts';
import { kindIs, shelfFilters } from '../panel-query.ts';
import { tieredTargets } from '../panel-targets.ts';
import type { Tier } from '../rollups.ts';
import { putbackRatioQuery } from './putback-ratio.ts';

export const interactionsByPositionQuery = (tier: Tier) =>
  select(`sum(${ident(shelfEvent.field)})`)
    .from(shelfEvent.measurement, tier.retentionPolicy)
    .where(kindIs('pickup', 'putback'), ...shelfFilters(), ...tier.band)
    .groupByTags('position', 'kind');

export const putbackRatioByPositionQuery = (tier: Tier) => putbackRatioQuery(tier, ['position']);

const f = placementEffect.fields;
/** Columns of the estimate table, in order: [field, column title]. */
export const placementEffectColumns = [
  [f.ratio, 'rate ratio'],
  [f.lower, 'ratio 95% low'],
  [f.upper, 'ratio 95% high'],
  [f.status, 'effect'],
  [f.events, 'pick-ups'],
  [f.exposureHours, 'hours on shelf'],
  [f.rate, 'pick-ups per hour'],
  [f.putbackRatio, 'put-back ratio'],
  [f.putbackLower, 'put-back 95% low'],
  [f.putbackUpper, 'put-back 95% high'],
  [f.putbackStatus, 'put-back effect'],
] as const;

/**
 * The latest estimate of each product and position in the time range; the
 * pooled row `(all)` is always shown. Estimates span every store (the store,
 * aisle and fleet filters do not apply to them).
 */
export const placementEffectQuery = select(
  ...placementEffectColumns.map(([field, title]) => `${ident(field)} AS ${ident(title)}`),
)
  .from(placementEffect.measurement)
  .where(
    `(${tagMatchesVariable('product_id', 'product')} OR ${ident('product_id')} = ${literal(allProducts)})`,
  )
  .whereTimeFilter()
  .groupByTags('product_id', 'position')
  .orderByTimeDesc()
  .limit(1);

export function placement() {
  return shelfpulseDashboard({
    uid: 'shelfpulse-placement',
    title: 'ShelfPulse / Interaction by placement',
    description:
      'Items picked up and put back by shelf position, the put-back ratio per position, and the estimated effect of placement with 95 % intervals.',
  })
    .withPanel(
      new BarGauge()
        .title('Items handled by position')
        .height(10)
        .span(12)
        .targets(tieredTargets(interactionsByPositionQuery, '$tag_position $tag_kind')),
    )
    .withPanel(
      new BarGauge()
        .title('Put-back ratio by position')
        .unit('percentunit')
        .min(0)
        .max(1)
        .height(10)
        .span(12)
        .targets(tieredTargets(putbackRatioByPositionQuery, '$tag_position')),
    )
    .withPanel(
      new Table()
        .title('Placement effect (95 % intervals)')
        .description(
          'Pick-up rate at each position relative to eye level, for the same product, adjusted for the time of day ' +
            '(row (all): every product, adjusted also for product and fleet traffic). "higher"/"lower" only when the ' +
            'whole 95 % interval is above/below 1; "not-distinguishable" means the data cannot tell; "too-little-data" ' +
            'means fewer than the minimum pick-ups. Estimated by the bridge over all stores; the store, aisle and fleet filters do not apply.',
        )
        .noValue('No estimate in this time range: the bridge writes one every 15 minutes')
        .height(12)
        .span(24)
        .withTarget(new InfluxTargetBuilder(placementEffectQuery).refId('A').resultFormat('table')),
    );
}
