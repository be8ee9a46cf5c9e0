// Dashboard 4: the retailer's question — does placement (eye level, low, end
// cap…) change how often a product is handled, and how often it is taken?
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { ident, select } from '../influxql.ts';
import { shelfEvent } from '../measurements.ts';
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

export function placement() {
  return shelfpulseDashboard({
    uid: 'shelfpulse-placement',
    title: 'ShelfPulse / Interaction by placement',
    description: 'Items picked up and put back by shelf position, and the put-back ratio per position.',
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
    );
}
