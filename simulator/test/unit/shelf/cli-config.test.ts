// shelf-sim's configuration from file, environment and flags, and its errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointName } from '@shelfpulse/core/api/simulator-config';
import { ConfigError, loadSettings } from '../../../src/shelf/cli-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'shelf-sim-config-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const rendered = {
  fleet: 'aisle-7',
  namespace: 'store-12',
  endpointPrefix: 'aisle-7-shelf-',
  server: { host: 'device-cloud.shelfpulse.svc', port: 5683 },
  shelvesPerReplica: 50,
  placements: [{ productId: 'soap-500g', position: 'end-cap' }],
  behaviour: { shoppersPerHour: 120 },
  speedup: 60,
  seed: 9,
};

function settings(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return loadSettings(argv, env);
}

describe('shelf-sim configuration', () => {
  it('reads the file the operator renders, with schema defaults', () => {
    const { config, options } = settings(['--config', file('rendered.json', rendered)]);
    expect(config.fleet).toBe('aisle-7');
    expect(config.shelvesPerReplica).toBe(50);
    expect(config.behaviour.shoppersPerHour).toBe(120);
    expect(config.behaviour.putBackProbability).toBe(0.3);
    expect(config.placements[0]).toMatchObject({ capacity: 24, restockThreshold: 6 });
    expect(options).toMatchObject({ logLevel: 'info', summary: 'auto' });
  });

  it('lets flags override the file, and environment variables stand in for flags', () => {
    const path = file('rendered2.json', rendered);
    const { config, options } = settings(
      [
        '--shelves',
        '500',
        '--server',
        '127.0.0.1:15683',
        '--seed',
        '7',
        '--speedup',
        '600',
        '--ground-truth',
        '/tmp/gt.jsonl',
      ],
      { SHELF_SIM_CONFIG: path, SHELF_SIM_REPLICA_INDEX: '3', SHELF_SIM_SEED: '1' },
    );
    expect(config.shelvesPerReplica).toBe(500);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 15683 });
    expect(config.seed).toBe(7); // the flag wins over SHELF_SIM_SEED
    expect(config.speedup).toBe(600);
    expect(config.replicaIndex).toBe(3);
    expect(endpointName(config, 0)).toBe('aisle-7-shelf-1500');
    expect(options.groundTruthPath).toBe('/tmp/gt.jsonl');
  });

  it('takes the replica index from a StatefulSet pod name only inside Kubernetes', () => {
    const path = file('rendered3.json', rendered);
    expect(
      settings(['--config', path], { HOSTNAME: 'aisle-7-sim-4', KUBERNETES_SERVICE_HOST: '10.0.0.1' }).config
        .replicaIndex,
    ).toBe(4);
    expect(settings(['--config', path], { HOSTNAME: 'laptop-2' }).config.replicaIndex).toBe(0);
    // As the operator renders it: the pod-index label, or (older clusters, empty) the pod name.
    const k8s = {
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      HOSTNAME: 'ignored',
      SHELF_SIM_POD_NAME: 'aisle-7-sim-2',
    };
    expect(settings(['--config', path], { ...k8s, SHELF_SIM_REPLICA_INDEX: '5' }).config.replicaIndex).toBe(
      5,
    );
    expect(settings(['--config', path], { ...k8s, SHELF_SIM_REPLICA_INDEX: '' }).config.replicaIndex).toBe(2);
    const withIndex = file('rendered4.json', { ...rendered, replicaIndex: 0 });
    expect(
      settings(['--config', withIndex], { ...k8s, SHELF_SIM_REPLICA_INDEX: '' }).config.replicaIndex,
    ).toBe(2);
    expect(
      settings(['--config', path, '--replica-index', '1'], { HOSTNAME: 'x-4', KUBERNETES_SERVICE_HOST: 'k' })
        .config.replicaIndex,
    ).toBe(1);
  });

  it('builds a plan from a plan file or --placement flags', () => {
    const plan = file('plan.json', {
      placements: [
        { productId: 'rice-1kg', position: 'low', capacity: 30, restockThreshold: 5 },
        { productId: 'tea', position: 'top' },
      ],
      behaviour: { handleProbability: 0.4 },
    });
    const fromPlan = settings(['--plan', plan, '--fleet', 'demo']).config;
    expect(fromPlan.placements.map((p) => p.productId)).toEqual(['rice-1kg', 'tea']);
    expect(fromPlan.behaviour.handleProbability).toBe(0.4);
    expect(fromPlan.endpointPrefix).toBe('shelf-');
    const fromFlags = settings([
      '--placement',
      'soap:eye-level:24:6',
      '--placement',
      'milk:waist',
      '--shoppers-per-hour',
      '30',
    ]).config;
    expect(fromFlags.placements).toEqual([
      { productId: 'soap', position: 'eye-level', capacity: 24, restockThreshold: 6 },
      { productId: 'milk', position: 'waist', capacity: 24, restockThreshold: 6 },
    ]);
    expect(fromFlags.behaviour.shoppersPerHour).toBe(30);
    expect(
      settings(['--plan', file('array.json', [{ productId: 'x', position: 'checkout' }])]).config.placements,
    ).toHaveLength(1);
  });

  it('rejects a bad plan with one error naming the field', () => {
    const bad = file('bad-plan.json', [
      { productId: 'ok', position: 'eye-level' },
      { productId: 'soap', position: 'ceiling' },
    ]);
    expect(() => loadSettings(['--plan', bad], {})).toThrow(ConfigError);
    expect(() => loadSettings(['--plan', bad], {})).toThrow(/plan .*bad-plan\.json.*: 1\.position: /);
    const threshold = file('threshold.json', [
      { productId: 'soap', position: 'low', capacity: 5, restockThreshold: 9 },
    ]);
    expect(() => loadSettings(['--plan', threshold], {})).toThrow(
      /0\.restockThreshold: restockThreshold must be lower than capacity/,
    );
    expect(() => loadSettings(['--plan', file('notjson.json', '{nope')], {})).toThrow(/not valid JSON/);
    expect(() => loadSettings(['--plan', join(dir, 'missing.json')], {})).toThrow(/cannot read plan/);
  });

  it('rejects bad flags and values clearly', () => {
    const p = ['--placement', 'soap:eye-level'];
    expect(() => loadSettings([...p, '--shelves', 'many'], {})).toThrow(/shelvesPerReplica: /);
    expect(() => loadSettings([...p, '--shelves', '20000'], {})).toThrow(/shelvesPerReplica: .*10000/);
    expect(() => loadSettings([...p, '--speedup', '0'], {})).toThrow(/speedup: /);
    expect(() => loadSettings([...p, '--server', '127.0.0.1:99999'], {})).toThrow(/server\.port: /);
    expect(() => loadSettings([...p, '--start', 'yesterday'], {})).toThrow(
      /--start yesterday: expected an ISO 8601 time/,
    );
    expect(() => loadSettings([...p, '--frobnicate'], {})).toThrow(/Unknown option '--frobnicate'/);
    expect(() => loadSettings(['--placement', 'soap'], {})).toThrow(/expected PRODUCT:POSITION/);
    expect(() => loadSettings([], {})).toThrow(/no placements/);
    expect(() => loadSettings([...p, '--summary', 'fancy'], {})).toThrow(/summary: /);
  });
});
