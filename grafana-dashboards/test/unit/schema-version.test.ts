// The dashboards' schemaVersion must be one the pinned Grafana release knows:
// Grafana migrates older dashboards up on load, but a newer schemaVersion
// than its own DASHBOARD_SCHEMA_VERSION is not migrated back, and its panels
// may use options that release does not have.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDashboards } from '../../src/index.ts';

/**
 * The highest dashboard schemaVersion per Grafana minor release: the constant
 * DASHBOARD_SCHEMA_VERSION in Grafana's public/app/features/dashboard/state/DashboardMigrator.ts
 * (kept equal to the default of kinds/dashboard/dashboard_kind.cue, as that file asks). Sources:
 * - 39 in 10.4: grafana/grafonnet#196 (a 10.4 instance saves 39);
 * - 41 from 11.6: the CUE default in grafana/kind-registry grafana/v11.6.0/core/dashboard/dashboard.cue
 *   (v11.5.0 still 39); migration v41 is grafana/grafana#100135 (frontend) and #100554 (backend), Feb 2025;
 * - 42 from 12.2: migration v42 is grafana/grafana#106857 (frontend, targeted at 12.2 per
 *   grafana/scenes#1175) and #110517 (backend); DashboardMigrator.ts calls 42 the final version of the
 *   v1 dashboard API, so later releases stay at 42.
 * A release missing here fails the test: look its constant up before pinning it.
 */
const maxSchemaVersion: Record<string, number> = {
  '10.4': 39,
  '11.6': 41,
  '12.0': 41,
  '12.1': 41,
  '12.2': 42,
  '12.3': 42,
  '12.4': 42,
};

const values = parse(
  readFileSync(new URL('../../../charts/shelfpulse/values.yaml', import.meta.url), 'utf8'),
) as {
  grafana: { image: { tag: string } };
};

describe('dashboards and the pinned Grafana release', () => {
  it("use a schemaVersion the chart's Grafana image knows", () => {
    const tag = values.grafana.image.tag;
    const minor = /^(\d+\.\d+)\./.exec(tag)?.[1];
    expect(minor, `grafana.image.tag ${tag}`).toBeDefined();
    const max = maxSchemaVersion[minor!];
    expect(max, `no known DASHBOARD_SCHEMA_VERSION for Grafana ${minor}: add it to this test`).toBeDefined();
    for (const [name, dashboard] of Object.entries(buildDashboards()))
      expect(dashboard.schemaVersion, name).toBeLessThanOrEqual(max!);
  });
});
