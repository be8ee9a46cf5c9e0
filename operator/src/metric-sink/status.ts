// What one check of a MetricSink amounts to, computed from the probe's result:
// - the status: reachable/writable, the time of the check, the last error
//   while not Ready, and one Ready condition with the probe's reason;
// - events: the reason changing (Normal when Ready, else Warning), and one
//   Normal event per database or retention policy the check created;
// - when to check again: a Ready sink every sinkCheckMs, a failing one within
//   10 s at most, so a fixed sink turns Ready quickly.
// pointsWritten/pointsDropped belong to the bridge's field manager: not here.
import type { MetricSink, MetricSinkStatus } from '@shelfpulse/core/api/metric-sink';
import { findCondition, setConditions } from '@shelfpulse/core/runtime/conditions';
import type { ReconcileResult } from '@shelfpulse/core/runtime/controller';
import type { ProbeResult } from './influx-probe.ts';

export function sinkStatus(sink: MetricSink, probe: ProbeResult, now = new Date()): MetricSinkStatus {
  const ready = probe.reason === 'Ready';
  return {
    observedGeneration: sink.metadata.generation,
    reachable: probe.reachable,
    writable: probe.writable,
    lastCheckTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(ready ? {} : { lastError: probe.message }),
    conditions: setConditions(
      sink.status?.conditions,
      [{ type: 'Ready', status: ready ? 'True' : 'False', reason: probe.reason, message: probe.message }],
      sink.metadata.generation,
      now,
    ),
  };
}

export interface SinkEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export function sinkEvents(sink: MetricSink, probe: ProbeResult): SinkEvent[] {
  const events: SinkEvent[] = [];
  if (findCondition(sink.status?.conditions, 'Ready')?.reason !== probe.reason) {
    events.push({
      type: probe.reason === 'Ready' ? 'Normal' : 'Warning',
      reason: probe.reason,
      message: probe.message,
    });
  }
  for (const what of probe.created)
    events.push({ type: 'Normal', reason: 'Created', message: `created ${what}` });
  return events;
}

export function nextCheck(probe: ProbeResult, sinkCheckMs: number): ReconcileResult {
  return { requeueAfterMs: probe.reason === 'Ready' ? sinkCheckMs : Math.min(sinkCheckMs, 10_000) };
}
