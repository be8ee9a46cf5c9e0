// ShelfFleet conditions: Ready follows the first condition that is not True,
// and lastTransitionTime moves only when a status changes.
import { describe, expect, it } from 'vitest';
import { setConditions } from '@shelfpulse/core/runtime/conditions';
import { fleetConditions } from '../../src/shelf-fleet/status.ts';

const ok = {
  simulator: { wanted: 2, replicas: 2, ready: 2, current: true },
  subscriptions: { ok: true as const, registered: 8, subscribed: 8, pattern: 'name shop.a7.*' },
  sinks: { ok: true as const, names: ['influx'] },
};

describe('fleet conditions', () => {
  it('are all True when everything is in place', () => {
    expect(fleetConditions(ok).map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Ready=True/Ready',
      'Subscribed=True/Subscribed',
      'SimulatorAvailable=True/AllReplicasReady',
      'SinkReady=True/SinksReady',
    ]);
  });

  it('make Ready carry the reason of the first failing condition', () => {
    const conditions = fleetConditions({
      ...ok,
      simulator: { wanted: 5, replicas: 5, ready: 3, current: true },
      sinks: { ok: false, reason: 'SinkNotFound', message: 'MetricSink influx does not exist in shop' },
    });
    expect(conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'ReplicasNotReady',
      message: '3 of 5 simulator pods ready (5 exist)',
    });
  });

  it('keep lastTransitionTime while the status stays the same', () => {
    const first = setConditions(undefined, fleetConditions(ok), 1, new Date('2026-01-01T00:00:00Z'));
    const again = setConditions(first, fleetConditions(ok), 2, new Date('2026-01-02T00:00:00Z'));
    expect(again[0]).toMatchObject({ lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 });
    const failing = fleetConditions({
      ...ok,
      subscriptions: { ok: false, reason: 'DeviceCloudUnreachable', message: 'down' },
    });
    const changed = setConditions(again, failing, 3, new Date('2026-01-03T00:00:00Z'));
    expect(changed[0]).toMatchObject({ status: 'False', lastTransitionTime: '2026-01-03T00:00:00Z' });
  });
});
