// Dashboard 6: fleet health from the bridge's own measurements (see
// measurements.ts): registered devices, notification rate, write errors and
// the retry buffer's depth.
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { shelfpulseDashboard } from '../dashboard-base.ts';
import { InfluxTargetBuilder } from '../influx-target.ts';
import { ident, select } from '../influxql.ts';
import { bridgeFleetHealth, bridgeSinkHealth } from '../measurements.ts';
import { fleetFilter } from '../panel-query.ts';

const fleet = bridgeFleetHealth.fields;
const sink = bridgeSinkHealth.fields;

export const devicesRegisteredQuery = select(`last(${ident(fleet.devicesRegistered)})`)
  .from(bridgeFleetHealth.measurement)
  .where(fleetFilter(), '$timeFilter')
  .groupByTime('$__interval')
  .groupByTags('fleet')
  .fill('previous');

/** Notifications per second, summed over bridge pods per fleet in the outer query. */
export const notificationRateQuery = select('sum("rate")')
  .fromSubquery(
    select(`non_negative_derivative(max(${ident(fleet.notifications)}), 1s) AS "rate"`)
      .from(bridgeFleetHealth.measurement)
      .where(fleetFilter(), '$timeFilter')
      .groupByTime('$__interval')
      .groupByTags('pod', 'fleet'),
  )
  .whereTimeFilter()
  .groupByTime('$__interval')
  .groupByTags('fleet');

export const writeErrorsQuery = select(`non_negative_difference(max(${ident(sink.writeErrors)}))`)
  .from(bridgeSinkHealth.measurement)
  .whereTimeFilter()
  .groupByTime('$__interval')
  .groupByTags('pod', 'sink');

export const bufferDepthQuery = select(`max(${ident(sink.bufferDepth)})`)
  .from(bridgeSinkHealth.measurement)
  .whereTimeFilter()
  .groupByTime('$__interval')
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
      panel('Devices registered', 'short').withTarget(
        new InfluxTargetBuilder(devicesRegisteredQuery).refId('A').alias('$tag_fleet'),
      ),
    )
    .withPanel(
      panel('Notification rate', 'reqps').withTarget(
        new InfluxTargetBuilder(notificationRateQuery).refId('A').alias('$tag_fleet'),
      ),
    )
    .withPanel(
      panel('Bridge write errors', 'short').withTarget(
        new InfluxTargetBuilder(writeErrorsQuery).refId('A').alias('$tag_pod → $tag_sink'),
      ),
    )
    .withPanel(
      panel('Bridge buffer depth', 'short').withTarget(
        new InfluxTargetBuilder(bufferDepthQuery).refId('A').alias('$tag_pod → $tag_sink'),
      ),
    );
}
