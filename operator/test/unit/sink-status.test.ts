// A MetricSink check's status, events and next check, computed from the probe.
import { describe, expect, it } from 'vitest';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ProbeResult } from '../../src/metric-sink/influx-probe.ts';
import { nextCheck, sinkEvents, sinkStatus } from '../../src/metric-sink/status.ts';

const sink = (reason?: string): MetricSink => ({
  metadata: { name: 'influx', namespace: 'shop', generation: 2 },
  spec: {} as MetricSink['spec'],
  ...(reason
    ? {
        status: {
          conditions: [{ type: 'Ready', status: 'False', reason, message: 'x', lastTransitionTime: '' }],
        },
      }
    : {}),
});
const probe = (reason: ProbeResult['reason'], created: string[] = []): ProbeResult => ({
  reachable: reason !== 'Unreachable',
  writable: reason === 'Ready',
  reason,
  message: reason === 'Ready' ? 'writes accepted' : 'HTTP 401',
  created,
});

describe('MetricSink check', () => {
  it('puts the probe into the status, the last error only while not Ready', () => {
    const now = new Date('2026-01-01T00:00:00.123Z');
    expect(sinkStatus(sink(), probe('Ready'), now)).toEqual({
      observedGeneration: 2,
      reachable: true,
      writable: true,
      lastCheckTime: '2026-01-01T00:00:00Z',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          message: 'writes accepted',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration: 2,
        },
      ],
    });
    expect(sinkStatus(sink(), probe('Unauthorized'), now)).toMatchObject({ lastError: 'HTTP 401' });
  });

  it('records a changed reason once, and what the check created', () => {
    expect(sinkEvents(sink(), probe('Ready', ['database shelf']))).toEqual([
      { type: 'Normal', reason: 'Ready', message: 'writes accepted' },
      { type: 'Normal', reason: 'Created', message: 'created database shelf' },
    ]);
    expect(sinkEvents(sink('Unauthorized'), probe('Unauthorized'))).toEqual([]);
    expect(sinkEvents(sink('Ready'), probe('Unauthorized'))).toEqual([
      { type: 'Warning', reason: 'Unauthorized', message: 'HTTP 401' },
    ]);
  });

  it('checks a failing sink within 10 s, a healthy one every check period', () => {
    expect(nextCheck(probe('Ready'), 60_000)).toEqual({ requeueAfterMs: 60_000 });
    expect(nextCheck(probe('Unauthorized'), 60_000)).toEqual({ requeueAfterMs: 10_000 });
    expect(nextCheck(probe('Unauthorized'), 5_000)).toEqual({ requeueAfterMs: 5_000 });
  });
});
