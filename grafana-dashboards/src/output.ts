// Where the generated JSON goes and how it is serialised, shared by the
// generator and the test that fails when the chart's copy is stale.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { buildDashboards } from './index.ts';

export const outputDir = fileURLToPath(new URL('../../charts/shelfpulse/dashboards/', import.meta.url));

/** File name → file content, exactly as written: formatted as the repository's Prettier would. */
export async function renderDashboards(): Promise<Record<string, string>> {
  const options = { ...(await resolveConfig(join(outputDir, 'x.json'))), parser: 'json' };
  const entries = Object.entries(buildDashboards()).map(
    async ([name, dashboard]) => [`${name}.json`, await format(JSON.stringify(dashboard), options)] as const,
  );
  return Object.fromEntries(await Promise.all(entries));
}

export async function writeDashboards(dir = outputDir): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files = await renderDashboards();
  for (const old of readdirSync(dir)) if (old.endsWith('.json') && !(old in files)) rmSync(join(dir, old));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return Object.keys(files).map((name) => join(dir, name));
}

/** Names of files that are missing, different, or no longer generated. */
export async function checkDashboards(dir = outputDir): Promise<string[]> {
  const files = await renderDashboards();
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const stale = present.filter((f) => !(f in files));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(name);
  }
  return stale.sort();
}
