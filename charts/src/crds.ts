// The chart ships the CRDs generated into /crds (by the operator's gen:crds)
// as a copy in charts/shelfpulse/crds, because Helm only installs CRDs from a
// chart's own crds/ folder. These helpers copy them and detect drift.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sourceDir = fileURLToPath(new URL('../../crds/', import.meta.url));
export const chartCrdsDir = fileURLToPath(new URL('../shelfpulse/crds/', import.meta.url));

function yamlFiles(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
    : [];
}

/** Copies every CRD into the chart and removes copies whose source is gone. */
export function syncCrds(from = sourceDir, to = chartCrdsDir): string[] {
  const files = yamlFiles(from);
  if (files.length === 0) throw new Error(`no CRDs in ${from}: run the operator's CRD generator first`);
  mkdirSync(to, { recursive: true });
  for (const stale of yamlFiles(to)) if (!files.includes(stale)) rmSync(join(to, stale));
  for (const file of files) writeFileSync(join(to, file), readFileSync(join(from, file)));
  return files;
}

/** Files that differ between the two folders (missing on either side, or changed). */
export function crdDrift(from = sourceDir, to = chartCrdsDir): string[] {
  const source = yamlFiles(from);
  const copy = yamlFiles(to);
  const names = [...new Set([...source, ...copy])].sort();
  return names.filter(
    (f) =>
      !source.includes(f) ||
      !copy.includes(f) ||
      !readFileSync(join(from, f)).equals(readFileSync(join(to, f))),
  );
}
