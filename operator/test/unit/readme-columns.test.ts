// The README shows what `kubectl get shelffleets` prints: every column it names
// must be a printer column of the generated CRD.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shelfFleetCrd } from '../../src/crd/definitions.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README printer columns', () => {
  it('names only columns that `kubectl get shelffleets` prints', () => {
    const columns = (shelfFleetCrd().spec.versions[0]!.additionalPrinterColumns ?? []).map((c) =>
      c.name.toUpperCase(),
    );
    const line = readme.split('\n').find((l) => /kubectl .*get shelffleets\b.*#/.test(l));
    const named = line?.split('#')[1]?.match(/\b[A-Z][A-Z_]+\b/g) ?? [];
    expect(named.length).toBeGreaterThan(0);
    for (const column of named) expect(columns).toContain(column);
  });
});
