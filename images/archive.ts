// Writes an OCI image layout (made by umoci) as one image archive that every
// common loader accepts: the OCI layout itself (index.json, oci-layout,
// blobs/) for `ctr images import`, `kind load image-archive` and `skopeo copy
// oci-archive:`, plus Docker's manifest.json for `docker load`. The tar is
// reproducible: sorted names, zero timestamps, root owner.
//
//   node images/archive.ts LAYOUT_DIR TAG REFERENCE OUT.tar
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const [layout, tag, reference, out] = process.argv.slice(2);
if (!layout || !tag || !reference || !out) {
  console.error('usage: node images/archive.ts LAYOUT_DIR TAG REFERENCE OUT.tar');
  process.exit(2);
}

const blob = (digest: string): string => join('blobs', ...digest.split(':'));
const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
const manifestDescriptor = index.manifests.find(
  (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
);
if (!manifestDescriptor) throw new Error(`no manifest tagged ${tag} in ${layout}`);
const manifest = JSON.parse(readFileSync(join(layout, blob(manifestDescriptor.digest)), 'utf8')) as {
  config: Descriptor;
  layers: Descriptor[];
};

const dir = mkdtempSync(join(tmpdir(), 'shelfpulse-archive-'));
try {
  cpSync(join(layout, 'blobs'), join(dir, 'blobs'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), readFileSync(join(layout, 'oci-layout')));
  // containerd and Docker name the imported image after io.containerd.image.name.
  const named: Descriptor = {
    ...manifestDescriptor,
    annotations: { 'io.containerd.image.name': reference, 'org.opencontainers.image.ref.name': tag },
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [named] }));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify([
      {
        Config: blob(manifest.config.digest),
        RepoTags: [reference],
        Layers: manifest.layers.map((layer) => blob(layer.digest)),
      },
    ]),
  );
  execFileSync('tar', [
    '--create',
    `--file=${out}`,
    `--directory=${dir}`,
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    'blobs',
    'index.json',
    'manifest.json',
    'oci-layout',
  ]);
  console.log(manifestDescriptor.digest);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
