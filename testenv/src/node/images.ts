// The images the test node runs, built by the project's own images/build.sh
// (the same recipe as `make images`) into the cache, and rebuilt only when
// their inputs change. The release images keep the chart's default names, so
// the chart runs them with its default values.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheDir } from '../bins.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const registry = 'ghcr.io/shelfpulse';
/** The test-only images get a tag of their own: they are never released. */
const testTag = 'test';

export interface ImageSet {
  /** References, as pods name them. */
  operator: string;
  simulator: string;
  influxdb: string;
  pause: string;
  coredns: string;
  /** Image archives to import into the node's runtime. */
  archives: string[];
}

export function chartAppVersion(): string {
  const chart = readFileSync(join(root, 'charts/shelfpulse/Chart.yaml'), 'utf8');
  const version = /^appVersion:\s*["']?([^"'\s]+)/m.exec(chart)?.[1];
  if (!version) throw new Error('charts/shelfpulse/Chart.yaml has no appVersion');
  return version;
}

export async function buildImages(log: (line: string) => void): Promise<ImageSet> {
  const out = join(cacheDir(), 'images', 'test-node');
  const build = async (tag: string, images: string[]): Promise<void> => {
    const started = Date.now();
    const { stderr } = await promisify(execFile)(join(root, 'images/build.sh'), images, {
      env: { ...process.env, OUT: out, IMAGE_REGISTRY: registry, IMAGE_TAG: tag },
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const line of stderr.split('\n').filter((l) => l.startsWith('[images]'))) log(line);
    log(`images ${images.join(', ')} ready (${Date.now() - started} ms)`);
  };
  const version = chartAppVersion();
  await build(version, ['operator', 'simulator']);
  await build(testTag, ['influxdb', 'pause', 'coredns']);
  const names = [
    'shelfpulse-operator',
    'shelfpulse-simulator',
    'shelfpulse-influxdb-test',
    'shelfpulse-pause-test',
    'shelfpulse-coredns-test',
  ];
  return {
    operator: `${registry}/shelfpulse-operator:${version}`,
    simulator: `${registry}/shelfpulse-simulator:${version}`,
    influxdb: `${registry}/shelfpulse-influxdb-test:${testTag}`,
    pause: `${registry}/shelfpulse-pause-test:${testTag}`,
    coredns: `${registry}/shelfpulse-coredns-test:${testTag}`,
    archives: names.map((name) => join(out, `${name}.tar`)),
  };
}
