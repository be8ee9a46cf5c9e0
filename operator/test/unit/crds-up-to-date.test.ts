// crds/ is generated from the zod schemas; this fails when someone changes a
// schema without running `npm run gen:crds` (or edits crds/ by hand).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCrdFiles } from '../../src/crd/render.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'crds');

describe('crds/', () => {
  const files = renderCrdFiles();

  it('holds exactly the generated files', () => {
    const onDisk = readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort();
    expect(onDisk, 'run `npm run gen:crds`').toEqual([...files.keys()].sort());
  });

  for (const [name, text] of files) {
    it(`${name} matches the zod schemas`, () => {
      expect(
        readFileSync(join(dir, name), 'utf8'),
        `crds/${name} is out of date: run \`npm run gen:crds\``,
      ).toBe(text);
    });
  }
});
