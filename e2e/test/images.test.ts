// The image archives images/build.sh made for this run, read as the tools a
// user loads them with read them: skopeo as an OCI archive and as a Docker
// archive (the layout `docker load` reads). Inside: the user, the entry point,
// no shell or package manager, every file root-owned and read-only. And the
// build is reproducible: the same inputs give the same digest.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, type TestEnvInfo } from '../../testenv/src/index.ts';
import { describe, expect, inject, it } from 'vitest';

const env: TestEnvInfo = inject('testenv');
const root = fileURLToPath(new URL('../..', import.meta.url));
const archives = join(cacheDir(), 'images', 'test-node');

interface ImageConfig {
  config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string };
  rootfs: { diff_ids: string[] };
}

const skopeo = (...args: string[]): string => execFileSync('skopeo', args, { encoding: 'utf8' });

/** Every entry of every layer: `mode owner path`, from the archive's blobs. */
function layerEntries(archive: string): { mode: string; owner: string; path: string }[] {
  const dir = mkdtempSync(join(tmpdir(), 'image-'));
  try {
    execFileSync('tar', ['-xf', archive, '-C', dir]);
    const index = JSON.parse(execFileSync('cat', [join(dir, 'index.json')], { encoding: 'utf8' })) as {
      manifests: { digest: string }[];
    };
    const blob = (digest: string): string => join(dir, 'blobs', ...digest.split(':'));
    const manifest = JSON.parse(
      execFileSync('cat', [blob(index.manifests[0]!.digest)], { encoding: 'utf8' }),
    ) as { layers: { digest: string }[] };
    return manifest.layers.flatMap((layer) =>
      execFileSync('tar', ['-tzv', '--numeric-owner', '-f', blob(layer.digest)], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
        .trim()
        .split('\n')
        .map((line) => {
          const [mode = '', owner = '', , , , ...rest] = line.split(/\s+/);
          return { mode, owner, path: rest.join(' ').split(' -> ')[0]! };
        }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(env.kube.node === 'kubelet')('the image archives', () => {
  const releaseImages = [
    { name: 'shelfpulse-operator', cmd: 'operator/bin/operator.js' },
    { name: 'shelfpulse-simulator', cmd: 'simulator/bin/device-cloud.js' },
  ];

  it.each(releaseImages)(
    '$name loads as an OCI and as a Docker archive, non-root and node only',
    ({ name, cmd }) => {
      const archive = join(archives, `${name}.tar`);
      const oci = JSON.parse(skopeo('inspect', '--config', `oci-archive:${archive}`)) as ImageConfig;
      const docker = JSON.parse(skopeo('inspect', '--config', `docker-archive:${archive}`)) as ImageConfig;
      expect(docker).toEqual(oci);
      expect(oci.config).toMatchObject({
        User: '10001:10001',
        Entrypoint: ['/usr/local/bin/node'],
        Cmd: [cmd],
        WorkingDir: '/app',
      });
      const entries = layerEntries(archive);
      const paths = new Set(entries.map((e) => e.path.replace(/\/$/, '')));
      for (const shell of ['bin/sh', 'usr/bin/sh', 'bin/bash', 'usr/bin/bash', 'bin/busybox'])
        expect(paths.has(shell), shell).toBe(false);
      for (const tool of ['usr/bin/apt-get', 'usr/bin/dpkg', 'usr/local/bin/npm', 'app/node_modules/npm'])
        expect(paths.has(tool), tool).toBe(false);
      expect(paths.has(cmd.replace(/^/, 'app/'))).toBe(true);
      expect(entries.filter((e) => e.owner !== '0/0').map((e) => e.path)).toEqual([]);
      // Read-only for everyone (a symbolic link's own mode means nothing); only /tmp
      // (sticky, for a writable root filesystem) is writable.
      const writable = entries.filter(
        (e) => /w/.test(e.mode) && !e.mode.startsWith('l') && e.path !== 'tmp/',
      );
      expect(writable.map((e) => e.path)).toEqual([]);
      expect(entries.filter((e) => e.mode.startsWith('-')).length).toBeGreaterThan(100);
    },
  );

  it('builds the same digest from the same inputs', () => {
    const digest = (out: string): string[] =>
      execFileSync(join(root, 'images/build.sh'), ['pause', 'influxdb'], {
        env: { ...process.env, OUT: out, IMAGE_TAG: 'repro' },
        encoding: 'utf8',
      })
        .trim()
        .split('\n');
    const a = mkdtempSync(join(tmpdir(), 'images-a-'));
    const b = mkdtempSync(join(tmpdir(), 'images-b-'));
    try {
      const first = digest(a);
      expect(first).toHaveLength(2);
      expect(first.every((d) => /^sha256:[0-9a-f]{64}$/.test(d))).toBe(true);
      expect(digest(b)).toEqual(first);
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});
