// A ShelfFleet's status, events and next look, computed from its steps' results.
import { describe, expect, it } from 'vitest';
import { ShelfFleetSpecSchema, type ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { ReconcileError } from '@shelfpulse/core/runtime/controller';
import { nextLook } from '../../src/shelf-fleet/error-policy.ts';
import { sinkReadiness } from '../../src/shelf-fleet/sinks.ts';
import {
  fleetStatus,
  invalidSpecStatus,
  transitionEvents,
  type FleetObservation,
} from '../../src/shelf-fleet/status.ts';

const placements = [{ productId: 'tea', position: 'top' }];
const fleet = (spec: unknown, status?: ShelfFleet['status']): ShelfFleet => ({
  metadata: { name: 'aisle-7', namespace: 'shop', generation: 3 },
  spec: ShelfFleetSpecSchema.parse(spec),
  ...(status ? { status } : {}),
});
const ok: FleetObservation = {
  simulator: { wanted: 2, replicas: 2, ready: 2, current: true },
  subscriptions: { ok: true, registered: 8, subscribed: 7, pattern: 'name shop.aisle-7.*' },
  sinks: { ok: true, names: ['influx'] },
};
const cloudDown = {
  ...ok,
  subscriptions: {
    ok: false as const,
    reason: 'DeviceCloudUnreachable',
    message: 'down',
    cause: new Error('down'),
  },
};
const now = new Date('2026-01-01T00:00:00Z');

describe('fleet status', () => {
  it('describes the generation worked on, the pods from the cache and the device counts', () => {
    const status = fleetStatus(
      fleet({ placements, simulator: {} }),
      ok,
      { replicas: 2, readyReplicas: 1 },
      now,
    );
    expect(status).toMatchObject({
      observedGeneration: 3,
      replicas: 2,
      readyReplicas: 1,
      selector: 'app.kubernetes.io/name=shelf-sim,shelfpulse.io/fleet=aisle-7',
      registeredDevices: 8,
      subscribedDevices: 7,
    });
    expect(status.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', observedGeneration: 3 });
  });

  it('keeps the last known device counts while the device cloud cannot be asked, and no pods without a simulator', () => {
    const before = { registeredDevices: 5, subscribedDevices: 4 };
    const f = fleet({ placements, devices: { endpointType: 'shelf' } }, before);
    const status = fleetStatus(
      f,
      { ...cloudDown, simulator: undefined },
      { replicas: 9, readyReplicas: 9 },
      now,
    );
    expect(status).toMatchObject({
      replicas: 0,
      readyReplicas: 0,
      registeredDevices: 5,
      subscribedDevices: 4,
    });
    expect(status.conditions?.[0]).toMatchObject({ type: 'Ready', reason: 'DeviceCloudUnreachable' });
  });

  it('says an invalid spec in Ready and keeps the rest of the status', () => {
    const f = fleet({ placements, simulator: {} }, { registeredDevices: 5 });
    expect(invalidSpecStatus(f, 'spec is invalid: replicas: too big', now)).toMatchObject({
      observedGeneration: 3,
      registeredDevices: 5,
      conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidSpec' }],
    });
  });

  it('turns a condition becoming False into a warning, and Ready becoming True into a normal event', () => {
    const f = fleet({ placements, simulator: {} });
    const good = fleetStatus(f, ok, undefined, now).conditions;
    const bad = fleetStatus(f, cloudDown, undefined, now).conditions;
    expect(transitionEvents(undefined, good)).toEqual([
      { type: 'Normal', reason: 'Ready', message: 'simulator, subscriptions and sinks are ready' },
    ]);
    expect(transitionEvents(good, bad)).toEqual([
      { type: 'Warning', reason: 'DeviceCloudUnreachable', message: 'down' },
    ]);
    expect(transitionEvents(bad, bad)).toEqual([]);
  });
});

describe('fleet error policy', () => {
  it('retries a transient failure with backoff, the workload before the device cloud', () => {
    const both = {
      ...cloudDown,
      simulatorError: { reason: 'Forbidden', message: 'simulator workload: no', cause: new Error('no') },
    };
    const next = nextLook(both, 30_000);
    expect(next).toBeInstanceOf(ReconcileError);
    expect(next).toMatchObject({ reason: 'Forbidden', message: 'no' });
    expect(nextLook(cloudDown, 30_000)).toMatchObject({ reason: 'DeviceCloudUnreachable' });
  });

  it('looks again after the resync period when all is well or a configuration problem waits for a change', () => {
    expect(nextLook(ok, 30_000)).toEqual({ requeueAfterMs: 30_000 });
    const waiting: FleetObservation = {
      ...ok,
      simulatorError: { reason: 'NamespaceNotManaged', message: 'not managed' },
      subscriptions: { ok: false, reason: 'SecretNotFound', message: 'no Secret key' },
    };
    expect(nextLook(waiting, 30_000)).toEqual({ requeueAfterMs: 30_000 });
  });
});

describe('fleet sinks', () => {
  const ready = (reason: string, status: 'True' | 'False') => ({
    metadata: { name: 'influx', namespace: 'shop' },
    spec: {} as never,
    status: { conditions: [{ type: 'Ready', status, reason, message: 'm', lastTransitionTime: '' }] },
  });
  it('needs every named MetricSink to exist and be Ready', () => {
    const f = fleet({ placements, simulator: {}, sinks: ['influx', 'backup'] });
    expect(sinkReadiness(fleet({ placements, simulator: {} }), () => undefined)).toMatchObject({
      reason: 'NoSinks',
    });
    expect(sinkReadiness(f, () => undefined)).toMatchObject({ reason: 'SinkNotFound' });
    expect(sinkReadiness(f, () => ready('Unauthorized', 'False'))).toMatchObject({
      reason: 'SinkNotReady',
      message: 'MetricSink influx is not ready (Unauthorized: m)',
    });
    expect(sinkReadiness(f, () => ready('Ready', 'True'))).toEqual({ ok: true, names: ['influx', 'backup'] });
  });
});
