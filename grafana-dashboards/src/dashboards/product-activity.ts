// Dashboard 1: the original tutorial's panel. At short ranges its query is the
// tutorial's, unchanged but for the dashboard's filters; at longer ranges, where
// a per-second series would be tens of thousands of points per product, the
// panel shows count changes per bucket: from raw points, then from the rollups.
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { productCount } from '@shelfpulse/core/measurements';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { ident, select } from '../influxql.ts';
import { bandedTargets } from '../panel-targets.ts';
import { rollupFields, tiers, type Tier } from '../rollups.ts';
import { filterConditions } from '../variables.ts';

/** The tutorial's query stays while the interval is at most this (1 h ranges: 5 s): at most ~7,200 points per product. */
export const tutorialUpToMs = 5_000;
const tutorialBand = `$__interval_ms <= ${tutorialUpToMs}`;

/** Exactly the tutorial's query, narrowed by the filters: how many count changes each product saw per second. */
export const productActivityQuery = select(`non_negative_difference(count(${'"count"'}))`)
  .from(productCount.measurement)
  .where(...filterConditions(), '$timeFilter', tutorialBand)
  .groupByTime('1s')
  .groupByTags('product_id')
  .fill('previous');

/** Count changes per bucket: counted in raw points, summed from the rollups' per-hour (per-day) counts. */
export const countChangesQuery = (tier: Tier) =>
  select(tier.retentionPolicy ? `sum(${ident(rollupFields.changes)})` : `count(${ident(productCount.field)})`)
    .from(productCount.measurement, tier.retentionPolicy)
    .where(
      ...filterConditions(),
      '$timeFilter',
      ...(tier.retentionPolicy ? [] : [`$__interval_ms > ${tutorialUpToMs}`]),
      ...tier.band,
    )
    .groupByTime(tier.groupBy)
    .groupByTags('product_id')
    .fill(0);

export function productActivity() {
  return shelfpulseDashboard({
    uid: 'shelfpulse-product-activity',
    title: 'ShelfPulse / Product activity',
    description: "Count changes per product: the original tutorial's panel.",
  }).withPanel(
    new TimeSeries()
      .title('Product activity')
      .description(
        'Up to 1 h ranges: non_negative_difference(count("count")) per second (the tutorial). ' +
          'Longer ranges: count changes per interval, from the hourly rollups beyond ~16 h and the daily ones beyond ~17 days.',
      )
      .height(10)
      .span(24)
      .targets(bandedTargets([productActivityQuery, ...tiers.map(countChangesQuery)], '$tag_product_id')),
  );
}
