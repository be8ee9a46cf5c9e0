// What every ShelfPulse dashboard shares: fixed uid, tags, the variables, the
// time settings. Panels are added by each dashboard's file.
import { DashboardBuilder, DashboardCursorSync } from '@grafana/grafana-foundation-sdk/dashboard';
import { datasourceVariable, filterVariableBuilders } from './variables.ts';

export interface DashboardMeta {
  /** Fixed, so links and provisioning updates keep pointing at the same dashboard. */
  uid: string;
  title: string;
  description: string;
}

export function shelfpulseDashboard(meta: DashboardMeta): DashboardBuilder {
  const builder = new DashboardBuilder(meta.title)
    .uid(meta.uid)
    .description(meta.description)
    .tags(['shelfpulse'])
    // Provisioned from code with allowUiUpdates false (the chart's provider): an edit could not be saved,
    // so the dashboards say so. Copies ("Save as") are the users' own.
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .refresh('30s')
    .withVariable(datasourceVariable());
  for (const variable of filterVariableBuilders()) builder.withVariable(variable);
  return builder;
}
