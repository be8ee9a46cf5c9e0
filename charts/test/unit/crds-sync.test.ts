// The chart's CRDs are exactly the generated ones: a change to the zod schemas
// that was not copied into the chart fails here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdDrift, syncCrds } from '../../src/crds.ts';

describe('chart CRDs', () => {
  it('match crds/ byte for byte (run `make crds` after changing core/src/api)', () => {
    expect(crdDrift()).toEqual([]);
  });

  it('report a changed, missing or leftover file as drift, and sync repairs it', () => {
    const from = mkdtempSync(join(tmpdir(), 'crds-src-'));
    const to = mkdtempSync(join(tmpdir(), 'crds-chart-'));
    writeFileSync(join(from, 'a.yaml'), 'kind: A\n');
    writeFileSync(join(from, 'b.yaml'), 'kind: B\n');
    writeFileSync(join(to, 'a.yaml'), 'kind: A2\n');
    writeFileSync(join(to, 'old.yaml'), 'kind: Old\n');
    expect(crdDrift(from, to)).toEqual(['a.yaml', 'b.yaml', 'old.yaml']);
    syncCrds(from, to);
    expect(crdDrift(from, to)).toEqual([]);
  });

  it('refuses to sync from an empty folder instead of emptying the chart', () => {
    expect(() => syncCrds(mkdtempSync(join(tmpdir(), 'empty-')), mkdtempSync(join(tmpdir(), 'x-')))).toThrow(
      /no CRDs/,
    );
  });
});
