// Writes crds/*.yaml from the zod schemas: `node operator/bin/gen-crds.ts`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdFiles } from '../src/crd/render.ts';

const dir = join(import.meta.dirname, '..', '..', 'crds');
mkdirSync(dir, { recursive: true });
const files = renderCrdFiles();
for (const name of readdirSync(dir)) if (name.endsWith('.yaml') && !files.has(name)) rmSync(join(dir, name));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`wrote ${[...files.keys()].map((n) => join('crds', n)).join(', ')}`);
