// The chart ships what the code generates: a stale JSON file fails here, and
// the JSON has the shape Grafana's file provisioning loads (classic, not v2).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDashboards, outputDir, renderDashboards, writeDashboards } from '../../src/output.ts';
import { bandsHold } from '../../src/grafana-interpolation.ts';
import { influxDatasourceUid } from '../../src/index.ts';

const files = await renderDashboards();
// The files are plain JSON as Grafana reads them; the tests assert their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const parsed = Object.entries(files).map(
  ([name, text]) => [name.replace(/\.json$/, ''), JSON.parse(text)] as [string, Json],
);

describe('generated dashboards', () => {
  it('match the JSON in the chart (run `make dashboards` after changing grafana-dashboards/src)', async () => {
    expect(await checkDashboards()).toEqual([]);
  });

  it('are reported stale when a file is edited by hand, missing, or left over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboards-'));
    await writeDashboards(dir);
    expect(await checkDashboards(dir)).toEqual([]);
    const first = Object.keys(files)[0]!;
    writeFileSync(
      join(dir, first),
      readFileSync(join(outputDir, first), 'utf8').replace('"title"', '"titel"'),
    );
    writeFileSync(join(dir, 'old.json'), '{}');
    expect(await checkDashboards(dir)).toEqual([first, 'old.json'].sort());
  });

  it('are classic dashboards with fixed, unique uids', () => {
    const uids = parsed.map(([, d]) => d['uid']);
    expect(new Set(uids).size).toBe(parsed.length);
    for (const [name, d] of parsed) {
      expect(d['uid'], name).toBe(`shelfpulse-${name}`);
      expect(d['schemaVersion'], name).toBeGreaterThanOrEqual(39);
      expect(Array.isArray(d['panels']), name).toBe(true);
      expect(d, name).not.toHaveProperty('spec');
      expect(d, name).not.toHaveProperty('apiVersion');
      expect(d, name).not.toHaveProperty('id');
    }
  });

  it('have the $datasource variable (default: the provisioned uid) and store, aisle, fleet, product', () => {
    for (const [name, d] of parsed) {
      const list = d['templating'].list as { name: string; type: string; current?: { value: string } }[];
      expect(
        list.map((v) => v.name),
        name,
      ).toEqual(['datasource', 'store', 'aisle', 'fleet', 'product']);
      expect(list[0]).toMatchObject({ type: 'datasource', current: { value: influxDatasourceUid } });
    }
  });

  it('query only through $datasource, with unique panel ids', () => {
    for (const [name, d] of parsed) {
      const panels = d['panels'] as {
        id: number;
        datasource: unknown;
        targets: { datasource: unknown; rawQuery: boolean; query: string }[];
      }[];
      expect(new Set(panels.map((p) => p.id)).size, name).toBe(panels.length);
      for (const panel of panels) {
        expect(panel.datasource).toEqual({ type: 'influxdb', uid: '${datasource}' });
        for (const target of panel.targets) {
          expect(target.datasource).toEqual({ type: 'influxdb', uid: '${datasource}' });
          expect(target.rawQuery).toBe(true);
          expect(target.query).toMatch(/^SELECT .* WHERE .*\$timeFilter/);
        }
      }
    }
  });

  it("keeps the original tutorial's product-activity query at short ranges, narrowed only by the filters", () => {
    const d = parsed.find(([name]) => name === 'product-activity')![1];
    const tutorial = d['panels'][0].targets[0];
    expect(tutorial.alias).toBe('$tag_product_id');
    expect(tutorial.query).toBe(
      'SELECT non_negative_difference(count("count")) FROM "product_count" WHERE ' +
        '"store" =~ /^$store$/ AND "aisle" =~ /^$aisle$/ AND "fleet" =~ /^$fleet$/ AND "product_id" =~ /^$product$/ ' +
        'AND $timeFilter AND $__interval_ms <= 5000 GROUP BY time(1s), "product_id" fill(previous)',
    );
  });

  it('give every panel one target per interval band, the bands covering every interval exactly once', () => {
    const intervals = [
      1_000, 5_000, 10_000, 60_000, 120_000, 600_000, 1_800_000, 3_600_000, 21_600_000, 86_400_000,
    ];
    for (const [name, d] of parsed)
      for (const panel of d['panels'] as { title: string; targets: { query: string }[] }[])
        for (const ms of intervals) {
          const answering = panel.targets.filter((t) =>
            bandsHold(t.query.replaceAll('$__interval_ms', String(ms))),
          );
          expect(answering, `${name} / ${panel.title} at ${ms} ms`).toHaveLength(1);
        }
  });
});
