// A fleet at its device cloud: which cloud and key it uses, its subscriptions
// put in place while it lives, and removed when it is deleted. Every
// read-modify-write of a cloud's shared pre-subscription list is serialised
// per cloud, and nothing is written once leadership has ended.
import { ShelfFleetSpecSchema, type ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { DeviceCloudError, type DeviceCloud } from '@shelfpulse/core/device-cloud/device-cloud';
import { endpointAllowed, sameEndpoint } from '@shelfpulse/core/device-cloud/endpoints';
import { readReferencedSecret, SecretReferenceError } from '@shelfpulse/core/kube/secret-reference';
import { ReconcileError, errorMessage } from '@shelfpulse/core/runtime/controller';
import { manages, notManaged } from '../config.ts';
import type { OperatorContext } from '../context.ts';
import type { SubscriptionsResult } from './status.ts';
import {
  describePresubscription,
  fleetDevices,
  fleetPresubscription,
  mergePresubscriptions,
  samePresubscription,
  subscribeRegisteredDevices,
  unsubscribeRegisteredDevices,
  type FleetDevices,
} from './subscriptions.ts';

export interface FleetCloud {
  url: string;
  api: DeviceCloud;
}

/**
 * The device cloud of a fleet and the key to use there. The operator's own key
 * goes only to the operator's own device cloud: a fleet that names another
 * endpoint brings its key in a Secret that opted in, and the endpoint must be
 * one the administrator allows. A configuration problem is a ReconcileError.
 */
export async function deviceCloudOf(ctx: OperatorContext, fleet: ShelfFleet): Promise<FleetCloud> {
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
 * Puts the fleet's pre-subscription in the cloud's list and subscribes its
 * registered devices. A configuration problem comes back as a failure without
 * a cause (it waits for a change: the Secret and the fleet are watched); a
 * failing device cloud with its cause (retried with backoff).
 */
export async function ensureSubscriptions(
  ctx: OperatorContext,
  fleet: ShelfFleet,
): Promise<SubscriptionsResult> {
  try {
    const cloud = await deviceCloudOf(ctx, fleet);
    const devices = fleetDevices(fleet);
    const entry = fleetPresubscription(devices);
    await ctx.presubscriptionLock.run(cloud.url, async () => {
      const current = await cloud.api.listPresubscriptions();
      const merged = mergePresubscriptions(current, [entry]);
      if (merged && !ctx.leading.aborted) await cloud.api.updatePresubscriptions(merged);
    });
    if (ctx.leading.aborted) {
      return { ok: false, reason: 'LeadershipLost', message: 'leadership ended during the reconcile' };
    }
    const counts = await subscribeRegisteredDevices(cloud.api, devices);
    return { ok: true, ...counts, pattern: describePresubscription(entry) };
  } catch (error) {
    if (error instanceof ReconcileError) return { ok: false, reason: error.reason, message: error.message };
    const reason = error instanceof DeviceCloudError ? error.reason : 'DeviceCloudError';
    return { ok: false, reason, message: errorMessage(error), cause: error };
  }
}

/** The fleet's pre-subscription (unless a live fleet shares it) and its devices' subscriptions. */
export async function removeSubscriptions(
  ctx: OperatorContext,
  fleet: ShelfFleet,
  cloud: FleetCloud,
  devices: FleetDevices,
): Promise<void> {
  const entry = fleetPresubscription(devices);
  await ctx.presubscriptionLock.run(cloud.url, async () => {
    // Another live fleet may want the very same entry; then it stays.
    const shared = ctx.informers.fleets.list().some((f) => {
      if (f.metadata.uid === fleet.metadata.uid || f.metadata.deletionTimestamp) return false;
      const spec = ShelfFleetSpecSchema.safeParse(f.spec);
      return (
        spec.success &&
        samePresubscription(fleetPresubscription(fleetDevices({ ...f, spec: spec.data })), entry)
      );
    });
    const merged = shared
      ? undefined
      : mergePresubscriptions(await cloud.api.listPresubscriptions(), [], [entry]);
    if (merged) await cloud.api.updatePresubscriptions(merged);
  });
  await unsubscribeRegisteredDevices(cloud.api, devices);
}
