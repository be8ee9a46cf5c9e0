// The files in crds/: one YAML document per CRD, with a header saying how they are made.
import { stringify } from 'yaml';
import { crds } from './definitions.ts';

const header = '# Generated from core/src/api by `npm run gen:crds`. Do not edit.\n';

export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const crd of crds()) {
    files.set(`${crd.metadata!.name!}.yaml`, header + stringify(crd, { lineWidth: 0 }));
  }
  return files;
}
