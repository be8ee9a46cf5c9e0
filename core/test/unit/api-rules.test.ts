// The operator parses every spec with the zod schemas the CRDs are generated
// from; the rules the API server checks in CEL hold in zod too, with the same
// messages, so an object stored before a rule existed is reported, not used.
import { describe, expect, it } from 'vitest';
import { durationSeconds } from '../../src/api/influx-duration.ts';
import { MetricSinkSpecSchema } from '../../src/api/metric-sink.ts';
import { quantityValue } from '../../src/api/resources.ts';
import { ShelfFleetSpecSchema } from '../../src/api/shelf-fleet.ts';

const placement = { productId: 'cola-330', position: 'eye-level' };
const fleet = (spec: Record<string, unknown>) =>
  ShelfFleetSpecSchema.safeParse({ placements: [placement], simulator: {}, ...spec });
const sink = (spec: Record<string, unknown>) =>
  MetricSinkSpecSchema.safeParse({ url: 'http://influxdb:8086', database: 'shelfpulse', ...spec });
const messages = (result: { error?: { issues: Array<{ message: string }> } }) =>
  result.error?.issues.map((i) => i.message).join('\n') ?? '';

describe('the API rules in zod', () => {
  it.each([
    [fleet({ simulator: { behaviour: { pickupItemWeights: [0, 0] } } }), /needs at least one weight above 0/],
    [fleet({ sinks: ['a', 'a'] }), /names a MetricSink twice/],
    [fleet({ placements: [placement, { ...placement, position: 'low' }] }), /appears twice with a different/],
    [fleet({ deviceCloud: { apiUrl: 'ftp://x' } }), /spec.deviceCloud.apiUrl must be an http/],
    [fleet({ deviceCloud: { apiUrl: 'https://u:p@x' } }), /must not carry credentials/],
    [
      fleet({ simulator: { resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } } }),
      /requests.memory must not exceed limits.memory/,
    ],
    [sink({ url: 'influxdb:8086' }), /spec.url must be an http/],
    [sink({ retentionDuration: '59m' }), /spec.retentionDuration must be INF, 0s or at least 1h/],
  ])('rejects case %#', (result, message) => {
    expect(result.success).toBe(false);
    expect(messages(result)).toMatch(message);
  });

  it('accepts the edges', () => {
    expect(fleet({ placements: [placement, placement], sinks: ['a', 'b'] }).success).toBe(true);
    for (const retentionDuration of ['INF', '0s', '60m', '1h', '2w3d'])
      expect(sink({ retentionDuration }).success).toBe(true);
    expect(
      fleet({ simulator: { resources: { requests: { cpu: '1' }, limits: { cpu: '1000m' } } } }).success,
    ).toBe(true);
  });

  it('reads durations and quantities as InfluxDB and Kubernetes do', () => {
    expect(durationSeconds('1w2d3h4m5s')).toBe(604_800 + 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5);
    expect(quantityValue('1Gi')).toBe(quantityValue('1024Mi'));
    expect(quantityValue('250m')).toBe(0.25);
  });
});
