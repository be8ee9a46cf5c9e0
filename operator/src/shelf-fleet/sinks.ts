// Whether a fleet's data has somewhere to go: every MetricSink it names exists
// in its namespace and is Ready. The first that is not decides the reason; a
// fleet naming none is not ready either (its data would not be stored).
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { findCondition } from '@shelfpulse/core/runtime/conditions';
import type { SinksResult } from './status.ts';

/** `sinkNamed` looks a MetricSink of the fleet's namespace up (in the cache). */
export function sinkReadiness(
  fleet: ShelfFleet,
  sinkNamed: (name: string) => MetricSink | undefined,
): SinksResult {
  const names = fleet.spec.sinks;
  if (names.length === 0) {
    return {
      ok: false,
      reason: 'NoSinks',
      message: "spec.sinks names no MetricSink: the fleet's data is not stored",
    };
  }
  for (const sinkName of names) {
    const sink = sinkNamed(sinkName);
    if (!sink) {
      return {
        ok: false,
        reason: 'SinkNotFound',
        message: `MetricSink ${sinkName} does not exist in ${fleet.metadata.namespace}`,
      };
    }
    const ready = findCondition(sink.status?.conditions, 'Ready');
    if (ready?.status !== 'True') {
      return {
        ok: false,
        reason: 'SinkNotReady',
        message: `MetricSink ${sinkName} is not ready${ready ? ` (${ready.reason}: ${ready.message})` : ''}`,
      };
    }
  }
  return { ok: true, names };
}
