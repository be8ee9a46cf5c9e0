// The datasource every panel uses: the `$datasource` variable, which defaults
// to the InfluxDB datasource the chart provisions with this fixed uid.
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** The uid the chart gives its provisioned InfluxDB datasource. */
export const influxDatasourceUid = 'shelfpulse-influxdb';

export const datasourceRef: DataSourceRef = { type: 'influxdb', uid: '${datasource}' };
