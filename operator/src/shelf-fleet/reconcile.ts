// Reconciles one ShelfFleet, in the shape of kube-rs's controller example: the
// finalizer splits the reconcile into `apply` (the fleet lives) and `cleanup`
// (it is being deleted). `apply` runs its steps, each taking the fleet and
// returning a result: sinks (from the cache) → simulator workload (server-side
// apply under the operator's field manager) → device-cloud subscriptions.
// The status and the events are computed from those results (status.ts), and
// the error policy (error-policy.ts) decides when to look again. Once
// leadership ends nothing more is written: the new leader takes it from there.
import { isDeepStrictEqual } from 'node:util';
import { apiVersion } from '@shelfpulse/core/api/group';
import {
  ShelfFleetSpecSchema,
  type ShelfFleet,
  type ShelfFleetStatus,
} from '@shelfpulse/core/api/shelf-fleet';
import { DeviceCloudError } from '@shelfpulse/core/device-cloud/device-cloud';
import { isForbidden, isNotFound, type KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { ReconcileError, errorMessage, type ReconcileResult } from '@shelfpulse/core/runtime/controller';
import { finalizer } from '@shelfpulse/core/runtime/finalizer';
import { manages } from '../config.ts';
import type { OperatorContext } from '../context.ts';
import { apply } from '../field-manager.ts';
import {
  cleanupBlockedConditions,
  cleanupBlockedMessage,
  skipCloudCleanupAnnotation,
  skipsCloudCleanup,
} from './deletion.ts';
import { deviceCloudOf, ensureSubscriptions, removeSubscriptions, type FleetCloud } from './device-cloud.ts';
import { nextLook } from './error-policy.ts';
import { sinkReadiness } from './sinks.ts';
import {
  fleetStatus,
  invalidSpecStatus,
  transitionEvents,
  type Failure,
  type PodCounts,
  type WorkloadResult,
} from './status.ts';
import { describePresubscription, fleetDevices, fleetPresubscription } from './subscriptions.ts';
import { simulatorState, workloadName, workloadPlan } from './workload.ts';

export const subscriptionFinalizer = 'shelfpulse.io/device-cloud-subscriptions';

type Fleet = ShelfFleet & KubeObject;

export async function reconcileShelfFleet(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const fleet = ctx.informers.fleets.get(key);
  if (!fleet || ctx.leading.aborted) return {};
  const options = {
    client: ctx.client,
    path: resourcePath(resources.shelfFleets, fleet.metadata.namespace, fleet.metadata.name),
    name: subscriptionFinalizer,
    signal: ctx.leading,
  };
  const result = await finalizer(options, fleet, (event) =>
    event.type === 'apply' ? applyFleet(ctx, event.object) : cleanupFleet(ctx, event.object),
  );
  return result ?? {};
}

async function applyFleet(ctx: OperatorContext, cached: Fleet): Promise<ReconcileResult> {
  // The API server validated the spec; parsing applies the same defaults and gives the types.
  const parsed = ShelfFleetSpecSchema.safeParse(cached.spec);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    await writeStatus(ctx, cached, invalidSpecStatus(cached, `spec is invalid: ${problems}`));
    return {};
  }
  const fleet: Fleet = { ...cached, spec: parsed.data };
  const namespace = fleet.metadata.namespace!;

  const sinks = sinkReadiness(fleet, (name) => ctx.informers.sinks.get(`${namespace}/${name}`));
  const workload = await applyWorkload(ctx, fleet);
  if (ctx.leading.aborted) return {};
  const subscriptions = await ensureSubscriptions(ctx, fleet);
  if (ctx.leading.aborted) return {};

  const observation = { ...workload, subscriptions, sinks };
  const pods = ctx.informers.statefulSets.get(`${namespace}/${workloadName(fleet.metadata.name!)}`) as
    (KubeObject & { status?: PodCounts }) | undefined;
  const status = fleetStatus(fleet, observation, pods?.status);
  for (const event of transitionEvents(fleet.status?.conditions, status.conditions))
    await ctx.events.record(fleet, event.type, event.reason, event.message);
  await writeStatus(ctx, cached, status);

  const next = nextLook(observation, ctx.config.subscriptionResyncMs);
  if (next instanceof ReconcileError) throw next;
  ctx.log.debug({ fleet: `${namespace}/${fleet.metadata.name}`, status }, 'reconciled');
  return next;
}

/** Puts the planned workload in place (workload.ts decides what it is). */
async function applyWorkload(ctx: OperatorContext, fleet: Fleet): Promise<WorkloadResult> {
  const namespace = fleet.metadata.namespace!;
  const name = workloadName(fleet.metadata.name!);
  const settings = {
    image: ctx.config.simulatorImage,
    lwm2mHost: ctx.config.lwm2mHost,
    lwm2mPort: ctx.config.lwm2mPort,
  };
  const plan = workloadPlan(fleet, settings, manages(ctx.config, namespace));
  try {
    switch (plan.kind) {
      case 'refuse':
        return { simulatorError: plan.failure };
      case 'remove':
        // The simulator block was removed (or never there): a previous workload goes.
        if (ctx.informers.statefulSets.get(`${namespace}/${name}`))
          await deleteIfPresent(ctx, resourcePath(resources.statefulSets, namespace, name));
        if (ctx.informers.configMaps.get(`${namespace}/${name}`))
          await deleteIfPresent(ctx, resourcePath(resources.configMaps, namespace, name));
        return {};
      case 'apply': {
        await apply(ctx.client, resourcePath(resources.configMaps, namespace, name), plan.configMap);
        const sts = await apply<KubeObject & { status?: Record<string, number> }>(
          ctx.client,
          resourcePath(resources.statefulSets, namespace, name),
          plan.statefulSet,
        );
        return { simulator: simulatorState(fleet.spec.replicas, sts) };
      }
    }
  } catch (error) {
    return { simulatorError: workloadFailure(namespace, error) };
  }
}

async function deleteIfPresent(ctx: OperatorContext, path: string): Promise<void> {
  await ctx.client.delete(path).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  });
}

/** The API server refused the workload, e.g. a missing permission: said in the status, retried with backoff. */
function workloadFailure(namespace: string, error: unknown): Failure {
  const reason = isForbidden(error) ? 'Forbidden' : 'WorkloadError';
  const hint = isForbidden(error)
    ? ` (the operator writes workloads only in its managed namespaces: an administrator adds ${namespace} to the chart value operator.managedNamespaces)`
    : '';
  return { reason, message: `simulator workload: ${errorMessage(error)}${hint}`, cause: error };
}

/**
 * Removes the fleet's subscriptions from the device cloud; the finalizer goes
 * when this returns. While the device cloud refuses, the status says the
 * deletion is blocked and this throws (retried with backoff); the
 * skip-cloud-cleanup annotation lets the fleet go without the clean-up, and
 * so does a fleet without a usable device cloud (there is nothing to clean).
 */
async function cleanupFleet(ctx: OperatorContext, fleet: Fleet): Promise<ReconcileResult> {
  if (skipsCloudCleanup(fleet)) {
    await ctx.events.record(
      fleet,
      'Warning',
      'CleanupSkipped',
      `device-cloud subscriptions left in place: the fleet has ${skipCloudCleanupAnnotation}=true`,
    );
    return {};
  }
  const parsed = ShelfFleetSpecSchema.safeParse(fleet.spec);
  if (!parsed.success) return {};
  const typed: Fleet = { ...fleet, spec: parsed.data };
  let cloud: FleetCloud;
  try {
    cloud = await deviceCloudOf(ctx, typed);
  } catch (error) {
    // Without a device cloud or its key there is nothing we can clean up; do not block deletion forever.
    await ctx.events.record(
      fleet,
      'Warning',
      'CleanupSkipped',
      `device-cloud subscriptions not removed: ${errorMessage(error)}`,
    );
    return {};
  }
  if (ctx.leading.aborted) return {};
  const devices = fleetDevices(typed);
  try {
    await removeSubscriptions(ctx, fleet, cloud, devices);
  } catch (error) {
    const reason = error instanceof DeviceCloudError ? error.reason : 'DeviceCloudError';
    await writeStatus(ctx, fleet, {
      ...fleet.status,
      conditions: cleanupBlockedConditions(
        fleet.status?.conditions,
        errorMessage(error),
        fleet.metadata.generation,
      ),
    });
    await ctx.events.record(fleet, 'Warning', 'CleanupBlocked', cleanupBlockedMessage(errorMessage(error)));
    throw new ReconcileError(reason, `removing device-cloud subscriptions: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  await ctx.events.record(
    fleet,
    'Normal',
    'SubscriptionsRemoved',
    `removed ${describePresubscription(fleetPresubscription(devices))} from the device cloud`,
  );
  return {};
}

/** Writes status through the status subresource, only when it changed; that never bumps the generation. */
async function writeStatus(ctx: OperatorContext, fleet: Fleet, status: ShelfFleetStatus): Promise<void> {
  if (isDeepStrictEqual(stripUndefined(status), stripUndefined(fleet.status ?? {}))) return;
  await apply(
    ctx.client,
    resourcePath(resources.shelfFleets, fleet.metadata.namespace, fleet.metadata.name, 'status'),
    {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: fleet.metadata.name, namespace: fleet.metadata.namespace },
      status,
    },
  );
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
