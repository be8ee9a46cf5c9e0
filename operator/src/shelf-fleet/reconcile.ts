// Reconciles one ShelfFleet: finalizer → simulator workload (server-side apply
// under one field manager) → device-cloud subscriptions → sinks → status.
import { isDeepStrictEqual } from 'node:util';
import { apiVersion } from '@shelfpulse/core/api/group';
import {
  ShelfFleetSpecSchema,
  type ShelfFleet,
  type ShelfFleetStatus,
} from '@shelfpulse/core/api/shelf-fleet';
import { manages, notManaged } from '../config.ts';
import type { OperatorContext } from '../context.ts';
import { DeviceCloudError, type DeviceCloud } from '@shelfpulse/core/device-cloud/device-cloud';
import { isForbidden, isNotFound, type KubeObject } from '@shelfpulse/core/kube/client';
import { endpointAllowed, sameEndpoint } from '@shelfpulse/core/device-cloud/endpoints';
import { readReferencedSecret, SecretReferenceError } from '@shelfpulse/core/kube/secret-reference';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { findCondition, setConditions } from '@shelfpulse/core/runtime/conditions';
import { ReconcileError, errorMessage, type ReconcileResult } from '@shelfpulse/core/runtime/controller';
import {
  cleanupBlockedConditions,
  cleanupBlockedMessage,
  skipCloudCleanupAnnotation,
  skipsCloudCleanup,
} from './deletion.ts';
import { fleetConditions, type FleetObservation } from './status.ts';
import {
  fleetPresubscription,
  mergePresubscriptions,
  samePresubscription,
  subscribeRegisteredDevices,
  unsubscribeRegisteredDevices,
  type FleetDevices,
} from './subscriptions.ts';
import {
  desiredConfigMap,
  desiredStatefulSet,
  endpointPrefixOf,
  fieldManager,
  selectorString,
  simulatorConfig,
  workloadName,
} from './workload.ts';

export const subscriptionFinalizer = 'shelfpulse.io/device-cloud-subscriptions';

type Fleet = ShelfFleet & KubeObject;

export async function reconcileShelfFleet(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const cached = ctx.informers.fleets.get(key);
  if (!cached || ctx.leading.aborted) return {};
  const [namespace, name] = key.split('/') as [string, string];
  const log = ctx.log.child({ fleet: key });

  if (cached.metadata.deletionTimestamp) {
    await finalize(ctx, cached);
    return {};
  }
  if (!cached.metadata.finalizers?.includes(subscriptionFinalizer)) {
    await ctx.client.jsonPatch(resourcePath(resources.shelfFleets, namespace, name), [
      { op: 'test', path: '/metadata/resourceVersion', value: cached.metadata.resourceVersion },
      cached.metadata.finalizers
        ? { op: 'add', path: '/metadata/finalizers/-', value: subscriptionFinalizer }
        : { op: 'add', path: '/metadata/finalizers', value: [subscriptionFinalizer] },
    ]);
  }

  // The API server validated the spec; parsing applies the same defaults and gives the types.
  const parsed = ShelfFleetSpecSchema.safeParse(cached.spec);
  if (!parsed.success) {
    const message = `spec is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    await writeStatus(ctx, cached, {
      ...cached.status,
      observedGeneration: cached.metadata.generation,
      conditions: setConditions(
        cached.status?.conditions,
        [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message }],
        cached.metadata.generation,
      ),
    });
    return {};
  }
  const fleet: Fleet = { ...cached, spec: parsed.data };

  const observation: FleetObservation = {
    subscriptions: { ok: false, reason: 'Unknown', message: '' },
    sinks: observeSinks(ctx, fleet),
  };
  let failure: ReconcileError | undefined;
  try {
    await reconcileWorkload(ctx, fleet, observation);
  } catch (error) {
    // e.g. a missing permission: say so in the status and retry with backoff.
    const reason = isForbidden(error) ? 'Forbidden' : 'WorkloadError';
    const hint = isForbidden(error)
      ? ` (the operator writes workloads only in its managed namespaces: an administrator adds ${namespace} to the chart value operator.managedNamespaces)`
      : '';
    observation.simulatorError = { reason, message: `simulator workload: ${errorMessage(error)}${hint}` };
    failure = new ReconcileError(reason, errorMessage(error), { cause: error });
  }
  // Leadership may have ended during the workload step: the new leader takes it from here.
  if (ctx.leading.aborted) return {};
  try {
    const cloud = await deviceCloudOf(ctx, fleet);
    const devices = fleetDevices(fleet);
    const entry = fleetPresubscription(devices);
    await ctx.presubscriptionLock.run(cloud.url, async () => {
      const current = await cloud.api.listPresubscriptions();
      const merged = mergePresubscriptions(current, [entry]);
      if (merged && !ctx.leading.aborted) await cloud.api.updatePresubscriptions(merged);
    });
    if (ctx.leading.aborted) return {};
    const counts = await subscribeRegisteredDevices(cloud.api, devices);
    observation.subscriptions = { ok: true, ...counts, pattern: describeEntry(entry) };
  } catch (error) {
    const reason =
      error instanceof DeviceCloudError || error instanceof ReconcileError
        ? error.reason
        : 'DeviceCloudError';
    observation.subscriptions = { ok: false, reason, message: errorMessage(error) };
    // A configuration problem waits for a change (the Secret and the fleet are watched);
    // a failing device cloud is retried with backoff.
    if (!(error instanceof ReconcileError))
      failure ??= new ReconcileError(reason, errorMessage(error), { cause: error });
  }

  const sts = ctx.informers.statefulSets.get(`${namespace}/${workloadName(name)}`) as
    (KubeObject & { status?: { replicas?: number; readyReplicas?: number } }) | undefined;
  const status: ShelfFleetStatus = {
    observedGeneration: fleet.metadata.generation,
    replicas: fleet.spec.simulator ? (sts?.status?.replicas ?? 0) : 0,
    readyReplicas: fleet.spec.simulator ? (sts?.status?.readyReplicas ?? 0) : 0,
    selector: selectorString(name),
    registeredDevices: observation.subscriptions.ok
      ? observation.subscriptions.registered
      : (cached.status?.registeredDevices ?? 0),
    subscribedDevices: observation.subscriptions.ok
      ? observation.subscriptions.subscribed
      : (cached.status?.subscribedDevices ?? 0),
    conditions: setConditions(
      cached.status?.conditions,
      fleetConditions(observation),
      fleet.metadata.generation,
    ),
  };
  if (ctx.leading.aborted) return {};
  await recordTransitions(ctx, fleet, status);
  await writeStatus(ctx, cached, status);
  if (failure) throw failure;
  log.debug({ status }, 'reconciled');
  return { requeueAfterMs: ctx.config.subscriptionResyncMs };
}

async function reconcileWorkload(
  ctx: OperatorContext,
  fleet: Fleet,
  observation: FleetObservation,
): Promise<void> {
  const namespace = fleet.metadata.namespace!;
  const name = workloadName(fleet.metadata.name!);
  const stsPath = resourcePath(resources.statefulSets, namespace, name);
  const cmPath = resourcePath(resources.configMaps, namespace, name);
  if (fleet.spec.simulator && !manages(ctx.config, namespace)) {
    observation.simulatorError = { reason: 'NamespaceNotManaged', message: notManaged(namespace) };
    return;
  }
  if (!fleet.spec.simulator) {
    // The simulator block was removed: its workload goes too.
    for (const path of [stsPath, cmPath]) {
      const informer = path === stsPath ? ctx.informers.statefulSets : ctx.informers.configMaps;
      if (!informer.get(`${namespace}/${name}`)) continue;
      await ctx.client.delete(path).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    return;
  }
  let config;
  try {
    config = simulatorConfig(fleet, {
      image: ctx.config.simulatorImage,
      lwm2mHost: ctx.config.lwm2mHost,
      lwm2mPort: ctx.config.lwm2mPort,
    });
  } catch (error) {
    observation.simulatorError = { reason: 'InvalidSimulatorConfig', message: errorMessage(error) };
    return;
  }
  const settings = {
    image: ctx.config.simulatorImage,
    lwm2mHost: ctx.config.lwm2mHost,
    lwm2mPort: ctx.config.lwm2mPort,
  };
  await ctx.client.apply(cmPath, desiredConfigMap(fleet, config), fieldManager);
  const sts = await ctx.client.apply<
    KubeObject & { metadata: { generation?: number }; status?: Record<string, number> }
  >(stsPath, desiredStatefulSet(fleet, config, settings), fieldManager);
  const status = sts.status ?? {};
  observation.simulator = {
    wanted: fleet.spec.replicas,
    replicas: status['replicas'] ?? 0,
    ready: status['readyReplicas'] ?? 0,
    current: (status['observedGeneration'] ?? 0) >= (sts.metadata.generation ?? 0),
  };
}

function observeSinks(ctx: OperatorContext, fleet: Fleet): FleetObservation['sinks'] {
  const names = fleet.spec.sinks;
  if (names.length === 0) {
    return {
      ok: false,
      reason: 'NoSinks',
      message: "spec.sinks names no MetricSink: the fleet's data is not stored",
    };
  }
  for (const sinkName of names) {
    const sink = ctx.informers.sinks.get(`${fleet.metadata.namespace}/${sinkName}`);
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

export function fleetDevices(fleet: ShelfFleet): FleetDevices {
  if (fleet.spec.simulator) {
    return { endpointNamePrefix: endpointPrefixOf(fleet), endpointType: fleet.spec.devices?.endpointType };
  }
  return {
    endpointNamePrefix: fleet.spec.devices?.endpointNamePrefix,
    endpointType: fleet.spec.devices?.endpointType,
  };
}

function describeEntry(entry: ReturnType<typeof fleetPresubscription>): string {
  return [
    entry.endpointName && `name ${entry.endpointName}`,
    entry.endpointType && `type ${entry.endpointType}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The device cloud of a fleet and the key to use there. The operator's own key
 * goes only to the operator's own device cloud: a fleet that names another
 * endpoint brings its key in a Secret that opted in, and the endpoint must be
 * one the administrator allows.
 */
async function deviceCloudOf(ctx: OperatorContext, fleet: Fleet): Promise<{ url: string; api: DeviceCloud }> {
  const own = ctx.config.deviceCloudUrl;
  const url = fleet.spec.deviceCloud?.apiUrl ?? own;
  if (!url) {
    throw new ReconcileError(
      'NoDeviceCloud',
      'no device cloud is configured: set spec.deviceCloud.apiUrl or the operator setting SHELFPULSE_DEVICE_CLOUD_URL',
    );
  }
  const isOwn = own !== undefined && sameEndpoint(url, own);
  if (!isOwn && !endpointAllowed(url, ctx.config.deviceCloudAllowedUrls)) {
    throw new ReconcileError(
      'DeviceCloudNotAllowed',
      `spec.deviceCloud.apiUrl ${url} is not a device cloud this installation allows (${ctx.config.deviceCloudAllowedUrls.join(', ')}): an administrator adds it to SHELFPULSE_DEVICE_CLOUD_ALLOWED_URLS (chart value deviceCloud.allowedApiUrls)`,
    );
  }
  const ref = fleet.spec.deviceCloud?.apiKeySecretRef;
  let apiKey: string | undefined;
  if (ref && !manages(ctx.config, fleet.metadata.namespace)) {
    throw new ReconcileError('SecretForbidden', notManaged(fleet.metadata.namespace!));
  }
  if (ref) {
    let values: Record<string, string>;
    try {
      values = await readReferencedSecret(
        ctx.client,
        fleet.metadata.namespace!,
        ref.name,
        'spec.deviceCloud.apiKeySecretRef',
        [ref.key],
      );
    } catch (error) {
      if (error instanceof SecretReferenceError) throw new ReconcileError(error.reason, error.message);
      throw error;
    }
    apiKey = values[ref.key]?.trim();
    if (!apiKey) throw new ReconcileError('SecretKeyMissing', `Secret ${ref.name} has no key ${ref.key}`);
  } else if (isOwn) {
    apiKey = await ctx.ownApiKey();
  } else {
    throw new ReconcileError(
      'ApiKeySecretRequired',
      `spec.deviceCloud.apiUrl ${url} is not the operator's device cloud, and the operator's API key goes nowhere else: set spec.deviceCloud.apiKeySecretRef to a Secret with a key for ${url}`,
    );
  }
  if (!apiKey) {
    throw new ReconcileError(
      'NoApiKey',
      'no device-cloud API key: set spec.deviceCloud.apiKeySecretRef or the operator setting SHELFPULSE_DEVICE_CLOUD_API_KEY',
    );
  }
  return { url, api: ctx.deviceCloud({ apiUrl: url, apiKey }) };
}

/**
 * Removes the fleet's subscriptions from the device cloud, then the finalizer.
 * While the device cloud refuses, the status says the deletion is blocked;
 * the skip-cloud-cleanup annotation removes the finalizer without it.
 */
async function finalize(ctx: OperatorContext, fleet: Fleet): Promise<void> {
  if (!fleet.metadata.finalizers?.includes(subscriptionFinalizer)) return;
  const parsed = ShelfFleetSpecSchema.safeParse(fleet.spec);
  if (skipsCloudCleanup(fleet)) {
    await ctx.events.record(
      fleet,
      'Warning',
      'CleanupSkipped',
      `device-cloud subscriptions left in place: the fleet has ${skipCloudCleanupAnnotation}=true`,
    );
  } else if (parsed.success) {
    const typed: Fleet = { ...fleet, spec: parsed.data };
    let cloud: { url: string; api: DeviceCloud } | undefined;
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
    }
    if (ctx.leading.aborted) return;
    if (cloud) {
      const devices = fleetDevices(typed);
      const entry = fleetPresubscription(devices);
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
        await ctx.events.record(
          fleet,
          'Warning',
          'CleanupBlocked',
          cleanupBlockedMessage(errorMessage(error)),
        );
        throw new ReconcileError(reason, `removing device-cloud subscriptions: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      await ctx.events.record(
        fleet,
        'Normal',
        'SubscriptionsRemoved',
        `removed ${describeEntry(entry)} from the device cloud`,
      );
    }
  }
  const finalizers = fleet.metadata.finalizers;
  await ctx.client.jsonPatch(
    resourcePath(resources.shelfFleets, fleet.metadata.namespace, fleet.metadata.name),
    [
      { op: 'test', path: '/metadata/finalizers', value: finalizers },
      {
        op: 'replace',
        path: '/metadata/finalizers',
        value: finalizers.filter((f) => f !== subscriptionFinalizer),
      },
    ],
  );
}

/** The fleet's pre-subscription (unless a live fleet shares it) and its devices' subscriptions. */
async function removeSubscriptions(
  ctx: OperatorContext,
  fleet: Fleet,
  cloud: { url: string; api: DeviceCloud },
  devices: FleetDevices,
): Promise<void> {
  const entry = fleetPresubscription(devices);
  await ctx.presubscriptionLock.run(cloud.url, async () => {
    // Another live fleet may want the very same entry; then it stays.
    const shared = ctx.informers.fleets
      .list()
      .some(
        (f) =>
          f.metadata.uid !== fleet.metadata.uid &&
          !f.metadata.deletionTimestamp &&
          ShelfFleetSpecSchema.safeParse(f.spec).success &&
          samePresubscription(
            fleetPresubscription(fleetDevices({ ...f, spec: ShelfFleetSpecSchema.parse(f.spec) })),
            entry,
          ),
      );
    const merged = shared
      ? undefined
      : mergePresubscriptions(await cloud.api.listPresubscriptions(), [], [entry]);
    if (merged) await cloud.api.updatePresubscriptions(merged);
  });
  await unsubscribeRegisteredDevices(cloud.api, devices);
}

async function recordTransitions(ctx: OperatorContext, fleet: Fleet, next: ShelfFleetStatus): Promise<void> {
  for (const c of next.conditions ?? []) {
    const old = findCondition(fleet.status?.conditions, c.type);
    if (old?.status === c.status && old.reason === c.reason) continue;
    if (c.type === 'Ready' || c.status === 'True') continue;
    await ctx.events.record(fleet, 'Warning', c.reason, c.message);
  }
  const ready = findCondition(next.conditions, 'Ready');
  const wasReady = findCondition(fleet.status?.conditions, 'Ready');
  if (ready?.status === 'True' && wasReady?.status !== 'True')
    await ctx.events.record(fleet, 'Normal', 'Ready', ready.message);
}

/** Writes status through the status subresource, only when it changed; that never bumps the generation. */
async function writeStatus(ctx: OperatorContext, fleet: Fleet, status: ShelfFleetStatus): Promise<void> {
  if (isDeepStrictEqual(stripUndefined(status), stripUndefined(fleet.status ?? {}))) return;
  await ctx.client.apply(
    resourcePath(resources.shelfFleets, fleet.metadata.namespace, fleet.metadata.name, 'status'),
    {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: fleet.metadata.name, namespace: fleet.metadata.namespace },
      status,
    },
    fieldManager,
  );
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
