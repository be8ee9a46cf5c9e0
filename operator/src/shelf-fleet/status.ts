// The status of a ShelfFleet, computed from what the reconcile's steps returned:
// - observedGeneration is the generation the steps worked on;
// - replicas/readyReplicas come from the StatefulSet cache (0 without a simulator);
// - registered/subscribed devices are the device cloud's counts, or the last
//   known ones while the device cloud cannot be asked;
// - each step gives one condition, and Ready carries the reason of the first
//   that is not True (Subscribed, then SimulatorAvailable, then SinkReady);
// - a condition that turns False (or changes its reason while False) is a
//   Warning event, Ready turning True a Normal one.
import type { Condition } from '@shelfpulse/core/api/condition';
import type { ShelfFleet, ShelfFleetStatus } from '@shelfpulse/core/api/shelf-fleet';
import { findCondition, setConditions, type ConditionInput } from '@shelfpulse/core/runtime/conditions';
import { selectorString } from './workload.ts';

/**
 * Why a step did not reach its goal. A failure with a cause is transient (the
 * API server or the device cloud failed) and is retried with backoff; one
 * without a cause waits for a change of the fleet, its Secret or its sinks.
 */
export interface Failure {
  reason: string;
  message: string;
  cause?: unknown;
}

export interface SimulatorState {
  wanted: number;
  replicas: number;
  ready: number;
  /** The StatefulSet controller has seen the current spec. */
  current: boolean;
}

/** What the workload step returned: the simulator's state, a failure, or neither (no simulator). */
export interface WorkloadResult {
  simulator?: SimulatorState | undefined;
  simulatorError?: Failure | undefined;
}

export type SubscriptionsResult =
  { ok: true; registered: number; subscribed: number; pattern: string } | ({ ok: false } & Failure);

export type SinksResult = { ok: true; names: string[] } | { ok: false; reason: string; message: string };

export interface FleetObservation extends WorkloadResult {
  subscriptions: SubscriptionsResult;
  sinks: SinksResult;
}

export function fleetConditions(o: FleetObservation): ConditionInput[] {
  const simulator: ConditionInput = o.simulatorError
    ? {
        type: 'SimulatorAvailable',
        status: 'False',
        reason: o.simulatorError.reason,
        message: o.simulatorError.message,
      }
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

/** The pod counts of the fleet's StatefulSet, as the cache last saw them. */
export interface PodCounts {
  replicas?: number | undefined;
  readyReplicas?: number | undefined;
}

export function fleetStatus(
  fleet: ShelfFleet,
  observation: FleetObservation,
  pods: PodCounts | undefined,
  now = new Date(),
): ShelfFleetStatus {
  const previous = fleet.status;
  const { subscriptions } = observation;
  return {
    observedGeneration: fleet.metadata.generation,
    replicas: fleet.spec.simulator ? (pods?.replicas ?? 0) : 0,
    readyReplicas: fleet.spec.simulator ? (pods?.readyReplicas ?? 0) : 0,
    selector: selectorString(fleet.metadata.name!),
    registeredDevices: subscriptions.ok ? subscriptions.registered : (previous?.registeredDevices ?? 0),
    subscribedDevices: subscriptions.ok ? subscriptions.subscribed : (previous?.subscribedDevices ?? 0),
    conditions: setConditions(
      previous?.conditions,
      fleetConditions(observation),
      fleet.metadata.generation,
      now,
    ),
  };
}

/**
 * The status of a fleet whose spec does not parse (the API server validates
 * it, so this means a schema drift): Ready=False with the problems; the rest
 * of the status stays as it was.
 */
export function invalidSpecStatus(fleet: ShelfFleet, message: string, now = new Date()): ShelfFleetStatus {
  return {
    ...fleet.status,
    observedGeneration: fleet.metadata.generation,
    conditions: setConditions(
      fleet.status?.conditions,
      [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message }],
      fleet.metadata.generation,
      now,
    ),
  };
}

export interface FleetEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The events of a status change (see the rules at the top). */
export function transitionEvents(
  previous: Condition[] | undefined,
  next: Condition[] | undefined,
): FleetEvent[] {
  const events: FleetEvent[] = [];
  for (const c of next ?? []) {
    const old = findCondition(previous, c.type);
    if (old?.status === c.status && old.reason === c.reason) continue;
    if (c.type === 'Ready' || c.status === 'True') continue;
    events.push({ type: 'Warning', reason: c.reason, message: c.message });
  }
  const ready = findCondition(next, 'Ready');
  if (ready?.status === 'True' && findCondition(previous, 'Ready')?.status !== 'True')
    events.push({ type: 'Normal', reason: 'Ready', message: ready.message });
  return events;
}
