// Dashboard variables shared by every dashboard: the datasource, then store →
// aisle → fleet → product, each narrowing the next (a cascade, as Grafana users expect).
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { productCount } from '@shelfpulse/core/measurements';
import { datasourceRef, influxDatasourceUid } from './datasource.ts';
import { ident, tagMatchesVariable } from './influxql.ts';

export interface FilterVariable {
  name: string;
  label: string;
  tag: string;
}

/** In cascade order; a variable's values are filtered by the ones before it. */
export const filterVariables: readonly FilterVariable[] = [
  { name: 'store', label: 'Store', tag: 'store' },
  { name: 'aisle', label: 'Aisle', tag: 'aisle' },
  { name: 'fleet', label: 'Fleet', tag: 'fleet' },
  { name: 'product', label: 'Product', tag: 'product_id' },
];

/** What "All" means: a regex that matches every value, so the query stays short. */
export const allValue = '.*';

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('influxdb')
    .current({ text: 'InfluxDB', value: influxDatasourceUid });
}

export function tagValuesQuery(variable: FilterVariable, before: readonly FilterVariable[]): string {
  const where = before.map((v) => tagMatchesVariable(v.tag, v.name));
  return (
    `SHOW TAG VALUES FROM ${ident(productCount.measurement)} WITH KEY = ${ident(variable.tag)}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '')
  );
}

export function filterVariableBuilders(): QueryVariableBuilder[] {
  return filterVariables.map((variable, i) => {
    const query = tagValuesQuery(variable, filterVariables.slice(0, i));
    return new QueryVariableBuilder(variable.name)
      .label(variable.label)
      .datasource(datasourceRef)
      .query(query)
      .definition(query)
      .multi(true)
      .includeAll(true)
      .allValue(allValue)
      .current({ text: 'All', value: '$__all' })
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc);
  });
}

/** The WHERE conditions that apply every filter variable. */
export function filterConditions(except: readonly string[] = []): string[] {
  return filterVariables
    .filter((v) => !except.includes(v.name))
    .map((v) => tagMatchesVariable(v.tag, v.name));
}
