// Dashboard 3: the put-back ratio — items handled but not taken — per product.
// InfluxQL has no conditional aggregation, so two subqueries name their sums
// `pickup` and `putback` and the outer query divides them. Each subquery also
// yields the other field as 0: InfluxDB 1.x takes the outer query's fields
// from the first subquery only, so both must carry both.
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { shelfEvent } from '@shelfpulse/core/measurements';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { ident, select, type Select } from '../influxql.ts';
import { kindIs, shelfFilters } from '../panel-query.ts';
import { tieredTargets } from '../panel-targets.ts';
import type { Tier } from '../rollups.ts';

/** put-back items / pick-up items, grouped by `tags` (and by the tier's time buckets when `overTime`). */
export function putbackRatioQuery(tier: Tier, tags: string[], overTime = false): Select {
  const sumOf = (kind: 'pickup' | 'putback') => {
    const other = kind === 'pickup' ? 'putback' : 'pickup';
    const items = `sum(${ident(shelfEvent.field)})`;
    const inner = select(`${items} AS ${ident(kind)}`, `${items} * 0 AS ${ident(other)}`)
      .from(shelfEvent.measurement, tier.retentionPolicy)
      .where(kindIs(kind), ...shelfFilters(), ...tier.band);
    if (overTime) inner.groupByTime(tier.groupBy);
    return inner.groupByTags(...tags);
  };
  const outer = select(`sum("putback") / sum("pickup") AS "ratio"`)
    .fromSubquery(sumOf('pickup'))
    .fromSubquery(sumOf('putback'))
    .where('$timeFilter', ...tier.band);
  if (overTime) outer.groupByTime(tier.groupBy);
  return outer.groupByTags(...tags);
}

export const putbackRatioByProductQuery = (tier: Tier) => putbackRatioQuery(tier, ['product_id']);
export const putbackRatioOverTimeQuery = (tier: Tier) => putbackRatioQuery(tier, ['product_id'], true);

export function putbackRatio() {
  return shelfpulseDashboard({
    uid: 'shelfpulse-putback-ratio',
    title: 'ShelfPulse / Put-back ratio',
    description: 'Share of picked-up items that went back on the shelf: handled but not taken.',
  })
    .withPanel(
      new BarGauge()
        .title('Put-back ratio per product (time range)')
        .unit('percentunit')
        .min(0)
        .max(1)
        .height(8)
        .span(24)
        .targets(tieredTargets(putbackRatioByProductQuery, '$tag_product_id')),
    )
    .withPanel(
      new TimeSeries()
        .title('Put-back ratio over time')
        .unit('percentunit')
        // Raw points answer only up to a 1-minute interval (rollups.ts): a larger minimum would always read hourly rollups.
        .interval('1m')
        .height(10)
        .span(24)
        .targets(tieredTargets(putbackRatioOverTimeQuery, '$tag_product_id')),
    );
}
