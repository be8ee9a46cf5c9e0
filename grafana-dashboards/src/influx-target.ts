// The Grafana InfluxDB (InfluxQL) query model as a foundation-SDK Dataquery,
// in raw-query mode: the dashboard JSON then carries the exact InfluxQL text.
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import type { Select } from './influxql.ts';
import { datasourceRef } from './datasource.ts';

export interface InfluxTarget {
  refId?: string;
  hide?: boolean;
  datasource: DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
  _implementsDataqueryVariant(): void;
}

export class InfluxTargetBuilder implements Builder<Dataquery> {
  private readonly internal: InfluxTarget;

  constructor(query: Select | string) {
    this.internal = {
      datasource: datasourceRef,
      query: query.toString(),
      rawQuery: true,
      resultFormat: 'time_series',
      _implementsDataqueryVariant() {},
    };
  }

  build(): InfluxTarget {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  /** Series name; `$tag_<name>` is replaced by the series' tag value. */
  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  resultFormat(format: InfluxTarget['resultFormat']): this {
    this.internal.resultFormat = format;
    return this;
  }
}
