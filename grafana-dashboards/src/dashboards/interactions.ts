// Dashboard 2: pick-ups and put-backs per minute, per product.
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { shelfEvent } from '@shelfpulse/core/measurements';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { ident, select } from '../influxql.ts';
import { kindIs, shelfFilters } from '../panel-query.ts';
import { tieredTargets } from '../panel-targets.ts';
import type { Tier } from '../rollups.ts';

/** Items per minute whatever the bucket is: the bucket's sum scaled to 60 s. */
export const interactionsQuery = (tier: Tier) =>
  select(`sum(${ident(shelfEvent.field)}) * 60000 / ${tier.groupByMs}`)
    .from(shelfEvent.measurement, tier.retentionPolicy)
    .where(kindIs('pickup', 'putback'), ...shelfFilters(), ...tier.band)
    .groupByTime(tier.groupBy)
    .groupByTags('product_id', 'kind')
    .fill(0);

export function interactions() {
  return shelfpulseDashboard({
    uid: 'shelfpulse-interactions',
    title: 'ShelfPulse / Interactions per product',
    description: 'Items picked up and put back per minute, per product.',
  }).withPanel(
    new TimeSeries()
      .title('Pick-ups and put-backs per minute')
      .unit('short')
      .interval('1m')
      .height(10)
      .span(24)
      .targets(tieredTargets(interactionsQuery, '$tag_product_id $tag_kind')),
  );
}
