// A directory laid out like a Secret volume, updated the way the kubelet's
// atomic writer does it: the values go into a new hidden directory, the
// `..data` symlink is swapped to it in one rename, and each key is a symlink
// through `..data`. A watch on a key's file never sees such an update.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SecretVolume {
  dir: string;
  path(key: string): string;
  update(values: Record<string, string>): void;
}

export function secretVolume(values: Record<string, string>, parent = tmpdir()): SecretVolume {
  const dir = mkdtempSync(join(parent, 'secret-volume-'));
  let generation = 0;
  const update = (next: Record<string, string>): void => {
    const data = `..${++generation}`;
    mkdirSync(join(dir, data));
    for (const [key, value] of Object.entries(next)) writeFileSync(join(dir, data, key), value);
    symlinkSync(data, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    if (generation > 1) rmSync(join(dir, `..${generation - 1}`), { recursive: true });
  };
  update(values);
  for (const key of Object.keys(values)) symlinkSync(join('..data', key), join(dir, key));
  return { dir, path: (key) => join(dir, key), update };
}
