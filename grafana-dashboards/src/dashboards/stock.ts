// Dashboard 5: stock on every shelf, shelves that are empty now, and restocks.
import { PanelBuilder as Stat } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { InfluxTargetBuilder } from '../influx-target.ts';
import { ident, select } from '../influxql.ts';
import { productCount, shelfEvent } from '../measurements.ts';
import { kindIs, shelfFilters } from '../panel-query.ts';

export const stockQuery = select(`last(${ident(productCount.field)})`)
  .from(productCount.measurement)
  .where(...shelfFilters())
  .groupByTime('$__interval')
  .groupByTags('device_id', 'product_id')
  .fill('previous');

/** Shelves whose latest count in the range is zero. */
export const emptyShelvesQuery = select('count("last")')
  .fromSubquery(
    select(`last(${ident(productCount.field)})`)
      .from(productCount.measurement)
      .where(...shelfFilters())
      .groupByTags('device_id'),
  )
  .where('"last" = 0', '$timeFilter');

export const restocksQuery = select(`count(${ident(shelfEvent.field)}) AS "restocks"`)
  .from(shelfEvent.measurement)
  .where(kindIs('restock'), ...shelfFilters())
  .groupByTime('$__interval')
  .groupByTags('product_id')
  .fill(0);

export function stock() {
  return shelfpulseDashboard({
    uid: 'shelfpulse-stock',
    title: 'ShelfPulse / Stock and restocks',
    description: 'Items on every shelf, shelves that are empty now, and restocks per product.',
  })
    .withPanel(
      new Stat()
        .title('Empty shelves')
        .noValue('0')
        .height(6)
        .span(6)
        .withTarget(new InfluxTargetBuilder(emptyShelvesQuery).refId('A').alias('empty shelves')),
    )
    .withPanel(
      new TimeSeries()
        .title('Stock per shelf')
        .interval('10s')
        .height(10)
        .span(18)
        .withTarget(new InfluxTargetBuilder(stockQuery).refId('A').alias('$tag_device_id ($tag_product_id)')),
    )
    .withPanel(
      new TimeSeries()
        .title('Restocks per product')
        // Staff restock a shelf only once it runs low: an hour may rightly have none.
        .noValue('No restocks in this time range')
        .interval('1m')
        .height(8)
        .span(24)
        .withTarget(new InfluxTargetBuilder(restocksQuery).refId('A').alias('$tag_product_id')),
    );
}
