// Dashboard 1: the original tutorial's panel, query unchanged, so existing
// users see the same graph they know.
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { InfluxTargetBuilder } from '../influx-target.ts';
import { select } from '../influxql.ts';
import { productCount } from '../measurements.ts';

/** Exactly the tutorial's query: how many count changes each product saw per second. */
export const productActivityQuery = select(`non_negative_difference(count(${'"count"'}))`)
  .from(productCount.measurement)
  .whereTimeFilter()
  .groupByTime('1s')
  .groupByTags('product_id')
  .fill('previous');

export function productActivity() {
  return shelfpulseDashboard({
    uid: 'shelfpulse-product-activity',
    title: 'ShelfPulse / Product activity',
    description: "Count changes per product per second: the original tutorial's panel.",
  }).withPanel(
    new TimeSeries()
      .title('Product activity')
      .description('non_negative_difference(count("count")) per second, one series per product.')
      .height(10)
      .span(24)
      .withTarget(new InfluxTargetBuilder(productActivityQuery).refId('A').alias('$tag_product_id')),
  );
}
