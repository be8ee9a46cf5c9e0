// The conditions of a ShelfFleet, computed from what the reconcile observed.
import type { ConditionInput } from '@shelfpulse/core/runtime/conditions';

export interface FleetObservation {
  simulator?: { wanted: number; replicas: number; ready: number; current: boolean } | undefined;
  simulatorError?: { reason: string; message: string } | undefined;
  subscriptions:
    | { ok: true; registered: number; subscribed: number; pattern: string }
    | { ok: false; reason: string; message: string };
  sinks: { ok: true; names: string[] } | { ok: false; reason: string; message: string };
}

export function fleetConditions(o: FleetObservation): ConditionInput[] {
  const simulator: ConditionInput = o.simulatorError
    ? { type: 'SimulatorAvailable', status: 'False', ...o.simulatorError }
    : !o.simulator
      ? {
          type: 'SimulatorAvailable',
          status: 'True',
          reason: 'NoSimulator',
          message: 'the fleet has no simulator block; only its device-cloud subscriptions are managed',
        }
      : o.simulator.ready >= o.simulator.wanted && o.simulator.current
        ? {
            type: 'SimulatorAvailable',
            status: 'True',
            reason: o.simulator.wanted === 0 ? 'ScaledToZero' : 'AllReplicasReady',
            message: `${o.simulator.ready} of ${o.simulator.wanted} simulator pods ready`,
          }
        : {
            type: 'SimulatorAvailable',
            status: 'False',
            reason: 'ReplicasNotReady',
            message: `${o.simulator.ready} of ${o.simulator.wanted} simulator pods ready (${o.simulator.replicas} exist)`,
          };
  const subscribed: ConditionInput = o.subscriptions.ok
    ? {
        type: 'Subscribed',
        status: 'True',
        reason: 'Subscribed',
        message: `pre-subscription ${o.subscriptions.pattern} in place; ${o.subscriptions.subscribed} of ${o.subscriptions.registered} registered devices subscribed`,
      }
    : {
        type: 'Subscribed',
        status: 'False',
        reason: o.subscriptions.reason,
        message: o.subscriptions.message,
      };
  const sink: ConditionInput = o.sinks.ok
    ? {
        type: 'SinkReady',
        status: 'True',
        reason: 'SinksReady',
        message: `MetricSinks ready: ${o.sinks.names.join(', ')}`,
      }
    : { type: 'SinkReady', status: 'False', reason: o.sinks.reason, message: o.sinks.message };
  const failing = [subscribed, simulator, sink].find((c) => c.status !== 'True');
  const ready: ConditionInput = failing
    ? { type: 'Ready', status: 'False', reason: failing.reason, message: failing.message }
    : {
        type: 'Ready',
        status: 'True',
        reason: 'Ready',
        message: 'simulator, subscriptions and sinks are ready',
      };
  return [ready, subscribed, simulator, sink];
}
