// Dashboard 5: stock on every shelf, shelves that are empty now, and restocks.
import { PanelBuilder as Stat } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { productCount, shelfEvent } from '@shelfpulse/core/measurements';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { ident, select } from '../influxql.ts';
import { kindIs, shelfFilters } from '../panel-query.ts';
import { tieredTargets } from '../panel-targets.ts';
import { rollupFields, type Tier } from '../rollups.ts';

export const stockQuery = (tier: Tier) =>
  select(`last(${ident(productCount.field)})`)
    .from(productCount.measurement, tier.retentionPolicy)
    .where(...shelfFilters(), ...tier.band)
    .groupByTime(tier.groupBy)
    .groupByTags('device_id', 'product_id')
    .fill('previous');

/** Shelves whose latest count in the range is zero. */
export const emptyShelvesQuery = (tier: Tier) =>
  select('count("last")')
    .fromSubquery(
      select(`last(${ident(productCount.field)})`)
        .from(productCount.measurement, tier.retentionPolicy)
        .where(...shelfFilters(), ...tier.band)
        .groupByTags('device_id'),
    )
    .where('"last" = 0', '$timeFilter', ...tier.band);

/** Restock events: counted in raw points, summed from the rollups' per-hour (per-day) counts. */
export const restocksQuery = (tier: Tier) =>
  select(
    tier.retentionPolicy
      ? `sum(${ident(rollupFields.events)}) AS "restocks"`
      : `count(${ident(shelfEvent.field)}) AS "restocks"`,
  )
    .from(shelfEvent.measurement, tier.retentionPolicy)
    .where(kindIs('restock'), ...shelfFilters(), ...tier.band)
    .groupByTime(tier.groupBy)
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
        .targets(tieredTargets(emptyShelvesQuery, 'empty shelves')),
    )
    .withPanel(
      new TimeSeries()
        .title('Stock per shelf')
        .interval('10s')
        .height(10)
        .span(18)
        .targets(tieredTargets(stockQuery, '$tag_device_id ($tag_product_id)')),
    )
    .withPanel(
      new TimeSeries()
        .title('Restocks per product')
        // Staff restock a shelf only once it runs low: an hour may rightly have none.
        .noValue('No restocks in this time range')
        .interval('1m')
        .height(8)
        .span(24)
        .targets(tieredTargets(restocksQuery, '$tag_product_id')),
    );
}
