// Dashboard 2: pick-ups and put-backs per minute, per product.
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { InfluxTargetBuilder } from '../influx-target.ts';
import { ident, select } from '../influxql.ts';
import { shelfEvent } from '../measurements.ts';
import { kindIs, shelfFilters } from '../panel-query.ts';

/** Items per minute whatever $__interval is: the bucket's sum scaled to 60 s. */
export const interactionsQuery = select(`sum(${ident(shelfEvent.field)}) * 60000 / $__interval_ms`)
  .from(shelfEvent.measurement)
  .where(kindIs('pickup', 'putback'), ...shelfFilters())
  .groupByTime('$__interval')
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
      .withTarget(new InfluxTargetBuilder(interactionsQuery).refId('A').alias('$tag_product_id $tag_kind')),
  );
}
