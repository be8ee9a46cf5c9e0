// Dashboard 6: fleet health from the bridge's own measurements (see
// core/src/measurements.ts): registered devices, notification rate, write errors and
// the retry buffer's depth.
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { bridgeFleetHealth, bridgeSinkHealth } from '@shelfpulse/core/measurements';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { ident, select } from '../influxql.ts';
import { fleetFilter } from '../panel-query.ts';
import { tieredTargets } from '../panel-targets.ts';
import type { Tier } from '../rollups.ts';

const fleet = bridgeFleetHealth.fields;
const sink = bridgeSinkHealth.fields;

export const devicesRegisteredQuery = (tier: Tier) =>
  select(`last(${ident(fleet.devicesRegistered)})`)
    .from(bridgeFleetHealth.measurement, tier.retentionPolicy)
    .where(fleetFilter(), '$timeFilter', ...tier.band)
    .groupByTime(tier.groupBy)
    .groupByTags('fleet')
    .fill('previous');

/** Notifications per second, summed over bridge pods per fleet in the outer query. */
export const notificationRateQuery = (tier: Tier) =>
  select('sum("rate")')
    .fromSubquery(
      select(`non_negative_derivative(max(${ident(fleet.notifications)}), 1s) AS "rate"`)
        .from(bridgeFleetHealth.measurement, tier.retentionPolicy)
        .where(fleetFilter(), '$timeFilter', ...tier.band)
        .groupByTime(tier.groupBy)
        .groupByTags('pod', 'fleet'),
    )
    .where('$timeFilter', ...tier.band)
    .groupByTime(tier.groupBy)
    .groupByTags('fleet');

export const writeErrorsQuery = (tier: Tier) =>
  select(`non_negative_difference(max(${ident(sink.writeErrors)}))`)
    .from(bridgeSinkHealth.measurement, tier.retentionPolicy)
    .where('$timeFilter', ...tier.band)
    .groupByTime(tier.groupBy)
    .groupByTags('pod', 'sink');

export const bufferDepthQuery = (tier: Tier) =>
  select(`max(${ident(sink.bufferDepth)})`)
    .from(bridgeSinkHealth.measurement, tier.retentionPolicy)
    .where('$timeFilter', ...tier.band)
    .groupByTime(tier.groupBy)
    .groupByTags('pod', 'sink')
    .fill('previous');

export function fleetHealth() {
  const panel = (title: string, unit: string) =>
    new TimeSeries().title(title).unit(unit).interval('10s').height(8).span(12);
  return shelfpulseDashboard({
    uid: 'shelfpulse-fleet-health',
    title: 'ShelfPulse / Fleet health',
    description:
      'Registered devices and notification rate per fleet; write errors and buffer depth per bridge pod and sink.',
  })
    .withPanel(
      panel('Devices registered', 'short').targets(tieredTargets(devicesRegisteredQuery, '$tag_fleet')),
    )
    .withPanel(
      panel('Notification rate', 'reqps').targets(tieredTargets(notificationRateQuery, '$tag_fleet')),
    )
    .withPanel(
      panel('Bridge write errors', 'short').targets(tieredTargets(writeErrorsQuery, '$tag_pod → $tag_sink')),
    )
    .withPanel(
      panel('Bridge buffer depth', 'short').targets(tieredTargets(bufferDepthQuery, '$tag_pod → $tag_sink')),
    );
}
