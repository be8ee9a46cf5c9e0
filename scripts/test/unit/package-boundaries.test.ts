// One package per process (README, "Repository layout"): a process's code
// imports the shared `core/` and never another process's package, so each
// image holds only what its processes run and each package reads on its own.
// Tests may cross over (they start the other processes); src/ and bin/ may not.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

/** What each package's shipped code may import of the others. */
const mayImport: Record<string, string[]> = {
  core: [],
  testenv: [],
  operator: ['core'],
  bridge: ['core'],
  simulator: ['core'],
  'grafana-dashboards': ['core'],
};

function sources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
}

describe('package boundaries', () => {
  it('every workspace has a rule', () => {
    expect([...workspaces].sort()).toEqual(Object.keys(mayImport).sort());
  });

  it.each(workspaces)('%s imports only the packages it may, and declares them', (pkg) => {
    const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const declared = Object.keys(manifest.dependencies ?? {});
    const crossings: string[] = [];
    for (const file of [...sources(join(root, pkg, 'src')), ...sources(join(root, pkg, 'bin'))]) {
      for (const spec of imports(file)) {
        const where = relative(root, file);
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), spec));
          if (target.split('/')[0] !== pkg) crossings.push(`${where} reaches into ${target}`);
          continue;
        }
        const other = /^@shelfpulse\/([^/]+)/.exec(spec)?.[1];
        if (!other) continue;
        if (!mayImport[pkg]!.includes(other)) crossings.push(`${where} imports ${spec}`);
        else if (!declared.includes(`@shelfpulse/${other}`))
          crossings.push(`${where} imports ${spec}, not in ${pkg}/package.json dependencies`);
      }
    }
    expect(crossings).toEqual([]);
    const processPackages = declared.filter(
      (d) => d.startsWith('@shelfpulse/') && !mayImport[pkg]!.includes(d.slice('@shelfpulse/'.length)),
    );
    expect(processPackages).toEqual([]);
  });
});
