// Every dashboard the chart ships, by file name (without `.json`).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { datasourceRef } from './datasource.ts';
import { fleetHealth } from './dashboards/fleet-health.ts';
import { interactions } from './dashboards/interactions.ts';
import { placement } from './dashboards/placement.ts';
import { productActivity } from './dashboards/product-activity.ts';
import { putbackRatio } from './dashboards/putback-ratio.ts';
import { stock } from './dashboards/stock.ts';

export const dashboards: Record<string, () => { build(): Dashboard }> = {
  'product-activity': productActivity,
  interactions,
  'putback-ratio': putbackRatio,
  placement,
  stock,
  'fleet-health': fleetHealth,
};

/** Panels get ids in order (stable `viewPanel=` links) and the `$datasource` variable as their datasource. */
function finish(dashboard: Dashboard): Dashboard {
  dashboard.panels?.forEach((panel, i) => {
    panel.id = i + 1;
    if ('targets' in panel) panel.datasource = datasourceRef;
  });
  return dashboard;
}

export function buildDashboards(): Record<string, Dashboard> {
  return Object.fromEntries(Object.entries(dashboards).map(([name, make]) => [name, finish(make().build())]));
}

export { influxDatasourceUid } from './datasource.ts';
