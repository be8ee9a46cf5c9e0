// The simulator workload computed from a ShelfFleet spec.
import { describe, expect, it } from 'vitest';
import { ShelfFleetSpecSchema, type ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import {
  desiredStatefulSet,
  simulatorConfig,
  simulatorState,
  workloadName,
  workloadPlan,
} from '../../src/shelf-fleet/workload.ts';

const settings = { image: 'example.test/sim:1', lwm2mHost: 'cloud.shelfpulse.svc', lwm2mPort: 5683 };
const fleet = (name: string, spec: unknown, namespace = 'shop'): ShelfFleet => ({
  metadata: { name, namespace, uid: 'u-1' },
  spec: ShelfFleetSpecSchema.parse(spec),
});
const placements = [{ productId: 'tea', position: 'top' }];

describe('simulator workload', () => {
  it('keeps names short enough for pod labels, distinct for distinct long fleet names', () => {
    expect(workloadName('aisle-7')).toBe('aisle-7-sim');
    const a = workloadName(`${'a'.repeat(60)}-one`);
    const b = workloadName(`${'a'.repeat(60)}-two`);
    expect(a.length).toBeLessThanOrEqual(47);
    expect(a).not.toBe(b);
  });

  it('renders a configuration the simulator schema accepts, with the default endpoint prefix', () => {
    const config = simulatorConfig(fleet('aisle-7', { placements, simulator: { speedup: 10 } }), settings);
    expect(config).toMatchObject({
      endpointPrefix: 'shop.aisle-7.',
      server: { host: 'cloud.shelfpulse.svc', port: 5683 },
      speedup: 10,
    });
  });

  it('explains a default prefix that would be too long', () => {
    const long = fleet('a'.repeat(30), { placements, simulator: {} }, 'n'.repeat(30));
    expect(() => simulatorConfig(long, settings)).toThrow(
      /longer than 48 characters: set spec.devices.endpointNamePrefix/,
    );
  });

  it('sets replicas, the image and a config hash that changes with the configuration', () => {
    const f = fleet('aisle-7', { replicas: 3, placements, simulator: {} });
    const sts = desiredStatefulSet(f, simulatorConfig(f, settings), settings) as {
      spec: {
        replicas: number;
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containers: Array<{ image: string }> };
        };
      };
    };
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.spec.containers[0]!.image).toBe('example.test/sim:1');
    const g = fleet('aisle-7', { replicas: 3, placements, simulator: { seed: 2 } });
    const other = desiredStatefulSet(g, simulatorConfig(g, settings), settings) as typeof sts;
    expect(other.spec.template.metadata.annotations['shelfpulse.io/config-hash']).not.toBe(
      sts.spec.template.metadata.annotations['shelfpulse.io/config-hash'],
    );
  });

  it('plans removal without a simulator, a refusal outside managed namespaces or for a bad config, else both objects', () => {
    expect(
      workloadPlan(fleet('real', { placements, devices: { endpointType: 't' } }), settings, true),
    ).toEqual({
      kind: 'remove',
    });
    const simulated = fleet('aisle-7', { placements, simulator: {} });
    expect(workloadPlan(simulated, settings, false)).toMatchObject({
      kind: 'refuse',
      failure: { reason: 'NamespaceNotManaged', message: expect.stringContaining('namespace shop') },
    });
    const long = fleet('a'.repeat(30), { placements, simulator: {} }, 'n'.repeat(30));
    const refused = workloadPlan(long, settings, true);
    expect(refused).toMatchObject({ kind: 'refuse', failure: { reason: 'InvalidSimulatorConfig' } });
    expect(refused.kind === 'refuse' && refused.failure.cause).toBeFalsy();
    const plan = workloadPlan(simulated, settings, true);
    expect(plan.kind === 'apply' && [plan.configMap.kind, plan.statefulSet.kind]).toEqual([
      'ConfigMap',
      'StatefulSet',
    ]);
  });

  it('reads the simulator state from the applied StatefulSet, current once its controller saw the spec', () => {
    const applied = (observedGeneration: number) => ({
      metadata: { generation: 4 },
      status: { replicas: 3, readyReplicas: 2, observedGeneration },
    });
    expect(simulatorState(3, applied(4))).toEqual({ wanted: 3, replicas: 3, ready: 2, current: true });
    expect(simulatorState(3, applied(3)).current).toBe(false);
    expect(simulatorState(1, { metadata: { generation: 1 } })).toEqual({
      wanted: 1,
      replicas: 0,
      ready: 0,
      current: false,
    });
  });
});
