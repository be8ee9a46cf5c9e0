// The generated CRDs, installed in the real API server, reject bad resources
// with messages a person can act on (OpenAPI bounds and enums, and CEL rules
// for what spans fields).
import type { KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKubeConfig } from '@shelfpulse/testenv';
import { apiVersion, group, version } from '../../src/api/group.ts';
import { installCrds } from '../../src/crd/install.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { fromKubeconfig } from '../../src/kube/connection.ts';
import { createNamespace } from './support.ts';

const env = inject('testenv');

const placement = { productId: 'cola-330', position: 'eye-level', capacity: 24, restockThreshold: 6 };
const fleet = (spec: Record<string, unknown>) => ({
  kind: 'ShelfFleet',
  plural: 'shelffleets',
  spec: { placements: [placement], simulator: {}, ...spec },
});
const sink = (spec: Record<string, unknown>) => ({
  kind: 'MetricSink',
  plural: 'metricsinks',
  spec: { url: 'http://influxdb:8086', database: 'shelfpulse', ...spec },
});

const cases: Array<[string, { kind: string; plural: string; spec: unknown }, RegExp]> = [
  [
    'a fleet without devices or a simulator',
    { ...fleet({}), spec: { placements: [placement] } },
    /a ShelfFleet must name its devices \(spec.devices\) or a simulator \(spec.simulator\)/,
  ],
  [
    'devices naming neither prefix nor type',
    fleet({ devices: {} }),
    /spec.devices needs endpointNamePrefix or endpointType/,
  ],
  ['no placements', fleet({ placements: [] }), /spec.placements in body should have at least 1 items/],
  [
    'restock threshold not below capacity',
    fleet({ placements: [{ ...placement, capacity: 6, restockThreshold: 6 }] }),
    /spec.placements\[0\]: Invalid value: .*restockThreshold must be lower than capacity/,
  ],
  [
    'an unknown shelf position',
    fleet({ placements: [{ ...placement, position: 'shelf-top' }] }),
    /spec.placements\[0\].position: Unsupported value: "shelf-top": supported values: "eye-level", "top"/,
  ],
  [
    'negative replicas',
    fleet({ replicas: -1 }),
    /spec.replicas in body should be greater than or equal to 0/,
  ],
  [
    'a product id with spaces',
    fleet({ placements: [{ ...placement, productId: 'cola 330' }] }),
    /spec.placements\[0\].productId in body should match/,
  ],
  [
    'a capacity that is not a number',
    fleet({ placements: [{ ...placement, capacity: 'many' }] }),
    /capacity in body must be of type integer/,
  ],
  [
    'a speed-up of zero',
    fleet({ simulator: { speedup: 0 } }),
    /spec.simulator.speedup must be at least 0.001/,
  ],
  [
    'a daily profile without 24 hours',
    fleet({ simulator: { behaviour: { dailyProfile: [1, 1, 1] } } }),
    /spec.simulator.behaviour.dailyProfile in body should have at least 24 items/,
  ],
  ['a sink name in capitals', fleet({ sinks: ['Influx'] }), /spec.sinks\[0\] in body should match/],
  ['no spec at all', { kind: 'ShelfFleet', plural: 'shelffleets', spec: undefined }, /spec: Required value/],
  [
    'a v1 sink without a database',
    { ...sink({}), spec: { url: 'http://influxdb:8086' } },
    /flavour v1 needs spec.database/,
  ],
  [
    'a v2 sink with a v1 database',
    sink({ flavour: 'v2', bucket: 'shelfpulse/autogen' }),
    /spec.database and spec.retentionPolicy are for flavour v1; flavour v2 uses spec.org and spec.bucket/,
  ],
  [
    'an unknown flavour',
    { ...sink({}), spec: { url: 'http://x:8086', flavour: 'v3' } },
    /spec.flavour: Unsupported value: "v3"/,
  ],
  [
    'a v2 sink without a bucket',
    { ...sink({}), spec: { url: 'http://x:8086', flavour: 'v2' } },
    /flavour v2 needs spec.bucket/,
  ],
  [
    'a sink URL that is not a URL',
    sink({ url: 'influxdb port 8086' }),
    /spec.url in body must be of type uri/,
  ],
  [
    'a retry delay above its maximum',
    sink({ retry: { initialDelayMs: 5000, maxDelayMs: 100 } }),
    /retry.initialDelayMs must not exceed retry.maxDelayMs/,
  ],
  [
    'a retention duration InfluxDB does not understand',
    sink({ retentionDuration: '30 days' }),
    /spec.retentionDuration in body should match/,
  ],
];

describe('CRD validation in the real API server', () => {
  let kc: KubeConfig;
  let client: KubeClient;
  let namespace: string;
  beforeAll(async () => {
    kc = loadKubeConfig(env.kube.kubeconfig);
    client = new KubeClient(fromKubeconfig(env.kube.kubeconfig));
    await installCrds(client);
    namespace = await createNamespace(kc, 'crd-validation');
  });

  it.each(cases)('rejects %s', async (_title, manifest, message) => {
    const body = {
      apiVersion,
      kind: manifest.kind,
      metadata: { name: `bad-${Math.random().toString(36).slice(2, 8)}` },
      ...(manifest.spec === undefined ? {} : { spec: manifest.spec }),
    };
    const create = client.create(
      `/apis/${group}/${version}/namespaces/${namespace}/${manifest.plural}`,
      body,
    );
    await expect(create).rejects.toThrow(message);
  });

  it('accepts a valid fleet and fills in the defaults', async () => {
    const body = { apiVersion, kind: 'ShelfFleet', metadata: { name: 'good' }, spec: fleet({}).spec };
    const path = `/apis/${group}/${version}/namespaces/${namespace}/shelffleets`;
    const created = (await client.create(path, body)) as {
      spec: { replicas: number; simulator: { shelvesPerReplica: number; speedup: number }; sinks: string[] };
    };
    expect(created.spec.replicas).toBe(1);
    expect(created.spec.simulator).toMatchObject({ shelvesPerReplica: 4, speedup: 1 });
    expect(created.spec.sinks).toEqual([]);
  });
});
