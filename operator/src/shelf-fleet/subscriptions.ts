// A fleet's device-cloud subscriptions: one pre-subscription entry for the
// fleet's device pattern (so devices that register later are subscribed by the
// cloud itself) and explicit subscriptions for devices already registered.
// Entries the operator does not own are kept as they are.
import { fleetEndpointPrefix } from '@shelfpulse/core/api/endpoint-prefix';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type {
  DeviceCloud,
  Presubscription,
  RegisteredDevice,
} from '@shelfpulse/core/device-cloud/device-cloud';

/** Product id and item count of the shelf object (LwM2M object 10341). */
export const shelfResourcePaths = ['/10341/0/26341', '/10341/0/26342'];

export interface FleetDevices {
  endpointNamePrefix?: string | undefined;
  endpointType?: string | undefined;
}

/** The fleet's devices: by endpoint name prefix (see core's endpoint-prefix.ts) and/or endpoint type. */
export function fleetDevices(fleet: ShelfFleet): FleetDevices {
  return {
    endpointNamePrefix: fleetEndpointPrefix({
      namespace: fleet.metadata.namespace!,
      name: fleet.metadata.name!,
      spec: fleet.spec,
    }),
    endpointType: fleet.spec.devices?.endpointType,
  };
}

export function fleetPresubscription(devices: FleetDevices): Presubscription {
  return {
    ...(devices.endpointNamePrefix ? { endpointName: `${devices.endpointNamePrefix}*` } : {}),
    ...(devices.endpointType ? { endpointType: devices.endpointType } : {}),
    resourcePaths: [...shelfResourcePaths],
  };
}

/** The entry in words, for status messages and events: `name shop.a7.*, type smart-shelf`. */
export function describePresubscription(entry: Presubscription): string {
  return [
    entry.endpointName && `name ${entry.endpointName}`,
    entry.endpointType && `type ${entry.endpointType}`,
  ]
    .filter(Boolean)
    .join(', ');
}

export function samePresubscription(a: Presubscription, b: Presubscription): boolean {
  const paths = (p: Presubscription) => [...(p.resourcePaths ?? [])].sort().join(',');
  return (
    (a.endpointName ?? '') === (b.endpointName ?? '') &&
    (a.endpointType ?? '') === (b.endpointType ?? '') &&
    paths(a) === paths(b)
  );
}

/** The list with `add` present and `remove` absent, or undefined when nothing changes. */
export function mergePresubscriptions(
  current: Presubscription[],
  add: Presubscription[],
  remove: Presubscription[] = [],
): Presubscription[] | undefined {
  const kept = current.filter((c) => !remove.some((r) => samePresubscription(c, r)));
  const missing = add.filter((a) => !kept.some((k) => samePresubscription(k, a)));
  if (kept.length === current.length && missing.length === 0) return undefined;
  return [...kept, ...missing];
}

export function belongsToFleet(device: RegisteredDevice, devices: FleetDevices): boolean {
  if (devices.endpointNamePrefix && !device.endpointName.startsWith(devices.endpointNamePrefix)) return false;
  if (devices.endpointType && device.endpointType !== devices.endpointType) return false;
  return Boolean(devices.endpointNamePrefix || devices.endpointType);
}

export interface SubscriptionCounts {
  registered: number;
  subscribed: number;
}

/**
 * Subscribes every registered device of the fleet to the shelf resources. The
 * subscription listing is not trusted: a pre-subscription subscribes a device
 * only at its next registration or update, so a device registered before the
 * fleet's rule existed is listed by some clouds before it is observed. A
 * subscription PUT is idempotent, so each device is subscribed explicitly.
 */
export async function subscribeRegisteredDevices(
  cloud: DeviceCloud,
  devices: FleetDevices,
): Promise<SubscriptionCounts> {
  const registered = (await cloud.listRegisteredDevices()).filter((d) => belongsToFleet(d, devices));
  let subscribed = 0;
  for (const device of registered) {
    let all = true;
    for (const path of shelfResourcePaths) if (!(await cloud.subscribe(device.id, path))) all = false;
    if (all) subscribed++;
  }
  return { registered: registered.length, subscribed };
}

/** Removes the subscriptions of the fleet's registered devices (a DELETE of none is harmless). */
export async function unsubscribeRegisteredDevices(cloud: DeviceCloud, devices: FleetDevices): Promise<void> {
  const registered = (await cloud.listRegisteredDevices()).filter((d) => belongsToFleet(d, devices));
  for (const device of registered) {
    for (const path of shelfResourcePaths) await cloud.unsubscribe(device.id, path);
  }
}
