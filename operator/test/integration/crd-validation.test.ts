// The generated CRDs, installed in the real API server, reject bad resources
// with messages a person can act on (OpenAPI bounds and enums, and CEL rules
// for what spans fields).
import { beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, group, version } from '@shelfpulse/core/api/group';
import type { KubeClient } from '@shelfpulse/core/kube/client';
import { clusterWithCrds } from './support.ts';

const placement = { productId: 'cola-330', position: 'eye-level', capacity: 24, restockThreshold: 6 };
type Manifest = { kind: string; plural: string; spec: unknown; name?: string };
const fleet = (spec: Record<string, unknown>): Manifest => ({
  kind: 'ShelfFleet',
  plural: 'shelffleets',
  spec: { placements: [placement], simulator: {}, ...spec },
});
const sink = (spec: Record<string, unknown>): Manifest => ({
  kind: 'MetricSink',
  plural: 'metricsinks',
  spec: { url: 'http://influxdb:8086', database: 'shelfpulse', ...spec },
});

const named = (manifest: Manifest, name: string): Manifest => ({ ...manifest, name });
const behaviour = (b: Record<string, unknown>) => fleet({ simulator: { behaviour: b } });
const resources = (r: Record<string, unknown>) => fleet({ simulator: { resources: r } });

const cases: Array<[string, Manifest, RegExp]> = [
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
  [
    'a fleet name longer than the label value it becomes',
    named(fleet({}), 'a'.repeat(64)),
    /metadata.name must be at most 63 characters/,
  ],
  [
    'a fleet name with a dot, which no pod hostname may have',
    named(fleet({}), 'aisle.7'),
    /metadata.name must be a DNS label/,
  ],
  [
    'pick-up weights that are all zero',
    behaviour({ pickupItemWeights: [0, 0, 0] }),
    /spec.simulator.behaviour.pickupItemWeights needs at least one weight above 0/,
  ],
  [
    'the same sink twice',
    fleet({ sinks: ['default', 'default'] }),
    /spec.sinks\[1\]: Duplicate value: "default"/,
  ],
  [
    'one product at two positions',
    fleet({ placements: [placement, { ...placement, position: 'low' }] }),
    /spec.placements: Invalid value: .*a productId appears twice with a different position, capacity or restockThreshold/,
  ],
  [
    'a device-cloud URL that is not http or https',
    fleet({ deviceCloud: { apiUrl: 'ftp://api.example.com' } }),
    /spec.deviceCloud.apiUrl must be an http:\/\/ or https:\/\/ URL/,
  ],
  [
    'a device-cloud URL carrying credentials',
    fleet({ deviceCloud: { apiUrl: 'https://user:secret@api.example.com' } }),
    /spec.deviceCloud.apiUrl must not carry credentials/,
  ],
  [
    'an API key Secret key that no Secret can have',
    fleet({ deviceCloud: { apiKeySecretRef: { name: 'cloud', key: 'api key' } } }),
    /spec.deviceCloud.apiKeySecretRef.key in body should match/,
  ],
  [
    'a simulator image with a space',
    fleet({ simulator: { image: 'shelfpulse/simulator :1' } }),
    /spec.simulator.image in body should match/,
  ],
  [
    'a cpu request above its limit',
    resources({ requests: { cpu: '500m' }, limits: { cpu: '100m' } }),
    /spec.simulator.resources.requests.cpu must not exceed limits.cpu/,
  ],
  [
    'a memory request above its limit',
    resources({ requests: { memory: '1Gi' }, limits: { memory: '256Mi' } }),
    /spec.simulator.resources.requests.memory must not exceed limits.memory/,
  ],
  [
    'memory in thousandths of a byte',
    resources({ limits: { memory: '256m' } }),
    /spec.simulator.resources.limits.memory in body should match/,
  ],
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
    'a sink URL without a scheme',
    sink({ url: 'influxdb:8086' }),
    /spec.url must be an http:\/\/ or https:\/\/ URL/,
  ],
  [
    'a sink URL with another scheme',
    sink({ url: 'udp://influxdb:8089' }),
    /spec.url must be an http:\/\/ or https:\/\/ URL/,
  ],
  [
    'a sink URL carrying credentials',
    sink({ url: 'http://admin:secret@influxdb:8086' }),
    /spec.url must not carry credentials: use spec.credentialsSecretRef/,
  ],
  [
    'a retention duration shorter than InfluxDB allows',
    sink({ retentionDuration: '30m' }),
    /spec.retentionDuration must be INF, 0s or at least 1h/,
  ],
  [
    'a first retry delay the bridge does not accept',
    sink({ retry: { initialDelayMs: 120_000, maxDelayMs: 600_000 } }),
    /spec.retry.initialDelayMs: Invalid value: 120000: spec.retry.initialDelayMs in body should be less than or equal to 60000/,
  ],
  [
    'a longest retry delay the bridge would shorten',
    sink({ retry: { maxDelayMs: 3_600_000 } }),
    /spec.retry.maxDelayMs in body should be less than or equal to 600000/,
  ],
  [
    'a flush interval the bridge would shorten',
    sink({ batching: { flushIntervalMs: 120_000 } }),
    /spec.batching.flushIntervalMs in body should be less than or equal to 60000/,
  ],
  [
    'a buffer smaller than the bridge keeps',
    sink({ bufferMaxPoints: 10 }),
    /spec.bufferMaxPoints in body should be greater than or equal to 100/,
  ],
  [
    'a credentials key that no Secret can have',
    sink({ credentialsSecretRef: { name: 'influx', passwordKey: 'pass word' } }),
    /spec.credentialsSecretRef.passwordKey in body should match/,
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
  let client: KubeClient;
  let namespace: string;
  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('crd-validation'));
  });

  it.each(cases)('rejects %s', async (_title, manifest, message) => {
    const body = {
      apiVersion,
      kind: manifest.kind,
      metadata: { name: manifest.name ?? `bad-${Math.random().toString(36).slice(2, 8)}` },
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

  it('accepts what is valid at the edge of every new rule', async () => {
    const create = (plural: string, kind: string, name: string, spec: unknown) =>
      client.create(`/apis/${group}/${version}/namespaces/${namespace}/${plural}`, {
        apiVersion,
        kind,
        metadata: { name },
        spec,
      });
    const longSinkName = `sink-${'x'.repeat(95)}`;
    await create('shelffleets', 'ShelfFleet', 'f'.repeat(63), {
      ...(fleet({}).spec as object),
      placements: [placement, placement, { ...placement, productId: 'chips' }],
      sinks: ['default', longSinkName],
      // With the chart's admission policy about, a name this long needs its own device prefix.
      devices: { endpointNamePrefix: 'edge-' },
      deviceCloud: {
        apiUrl: 'HTTPS://api.example.com/v3',
        apiKeySecretRef: { name: 'cloud', key: 'api_key.v-1' },
      },
      simulator: {
        image: 'registry.local:5000/shelfpulse/simulator@sha256:' + 'a'.repeat(64),
        resources: { requests: { cpu: '1', memory: '1024Mi' }, limits: { cpu: '1000m', memory: '1Gi' } },
        behaviour: { pickupItemWeights: [0, 1] },
      },
    });
    for (const [i, retentionDuration] of ['INF', '0s', '1h', '60m', '3600s', '1d', '2w3d'].entries()) {
      await create('metricsinks', 'MetricSink', `${longSinkName}-${i}`, {
        ...(sink({}).spec as object),
        url: i % 2 ? 'https://influx.example.com:8086/base' : 'http://influxdb:8086',
        retentionDuration,
        bufferMaxPoints: 100,
        retry: { initialDelayMs: 60_000, maxDelayMs: 600_000 },
      });
    }
  });
});
