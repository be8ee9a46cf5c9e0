// Subscriptions per API key: manual ones (PUT /v2/subscriptions/{id}/{path})
// and pre-subscriptions (PUT /v2/subscriptions). As in the service, a
// pre-subscription subscribes a device only when it registers or updates its
// registration: the paths applied then are kept per device, and only those
// count as subscribed (a rule set later waits for the device's next update).
import { z } from 'zod';
import { normalizePath, parseObjectPath } from '../lwm2m/object-path.ts';
import type { Device } from './device-registry.ts';

const pattern = z.string().min(1).max(255);

// null is taken as absent: clients write back what GET /v2/subscriptions listed.
const open = <T extends z.ZodType>(schema: T) =>
  schema
    .nullish()
    .transform((v) => v ?? undefined)
    .optional();

export const PreSubscriptionSchema = z.object({
  'endpoint-name': open(pattern).describe('Device ID or endpoint name; a trailing * matches a prefix.'),
  'endpoint-type': open(pattern).describe('Endpoint type; a trailing * matches a prefix.'),
  'resource-path': open(z.array(pattern).max(1000)).describe(
    'Resource paths; a trailing * matches a prefix. Absent: every observable resource.',
  ),
});
export type PreSubscription = z.infer<typeof PreSubscriptionSchema>;

export const PreSubscriptionListSchema = z.array(PreSubscriptionSchema).max(1000);

/**
 * A rule as GET /v2/subscriptions lists it: every key present, null where the
 * rule leaves it open. Clients map the listing onto a model with all three
 * attributes (Arm's Python SDK reads each one and fails on a missing key).
 */
export function listedPreSubscription(rule: PreSubscription): Record<keyof PreSubscription, unknown> {
  return {
    'endpoint-name': rule['endpoint-name'] ?? null,
    'endpoint-type': rule['endpoint-type'] ?? null,
    'resource-path': rule['resource-path'] ?? null,
  };
}

/** `*` at the end matches any suffix; otherwise the match is exact. */
export function matchesPattern(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

export interface ResourceInfo {
  known: boolean;
  observable: boolean;
}

/**
 * What the registration says about a path. A listed link is observable when it
 * carries `obs`. An LwM2M 1.0 client may list only objects and instances: a
 * resource below a listed instance that lists no resources of its own is taken
 * to exist and be observable; where resources are listed, the list is complete.
 */
export function resourceInfo(device: Device, path: string): ResourceInfo {
  const listed = device.links.find((l) => l.path === path);
  if (listed) return { known: true, observable: listed.attributes['obs'] !== undefined };
  if (!parseObjectPath(path)) return { known: false, observable: false };
  const below = (link: string) => path.startsWith(`${link}/`);
  const parent = device.links.some(
    (l) =>
      below(l.path) && parseObjectPath(l.path) && !device.links.some((c) => c.path.startsWith(`${l.path}/`)),
  );
  return { known: parent, observable: parent };
}

/** Paths per API key and device. */
class PathsByKey {
  private readonly byKey = new Map<string, Map<string, Set<string>>>();

  add(key: string, deviceId: string, path: string): void {
    let byDevice = this.byKey.get(key);
    if (!byDevice) this.byKey.set(key, (byDevice = new Map()));
    let paths = byDevice.get(deviceId);
    if (!paths) byDevice.set(deviceId, (paths = new Set()));
    paths.add(path);
  }

  set(key: string, deviceId: string, paths: Iterable<string>): void {
    let byDevice = this.byKey.get(key);
    if (!byDevice) this.byKey.set(key, (byDevice = new Map()));
    byDevice.set(deviceId, new Set(paths));
  }

  delete(key: string, deviceId: string, path: string): boolean {
    return this.byKey.get(key)?.get(deviceId)?.delete(path) ?? false;
  }

  clear(key: string, deviceId: string): void {
    this.byKey.get(key)?.delete(deviceId);
  }

  dropDevice(deviceId: string): void {
    for (const byDevice of this.byKey.values()) byDevice.delete(deviceId);
  }

  has(key: string, deviceId: string, path: string): boolean {
    return this.byKey.get(key)?.get(deviceId)?.has(path) === true;
  }

  paths(key: string, deviceId: string): string[] {
    return [...(this.byKey.get(key)?.get(deviceId) ?? [])];
  }
}

/**
 * Whether a request to `path` goes to the device: the path or an object or
 * instance above it is in the registration. Only the device knows whether a
 * resource below a registered instance exists; when it does not, its 4.04
 * reaches the client as an async response, as from the service.
 */
export function addressable(device: Device, path: string): boolean {
  return device.links.some((l) => path === l.path || path.startsWith(`${l.path}/`));
}

export class Subscriptions {
  private readonly manual = new PathsByKey();
  /** Pre-subscription paths applied at the device's last registration or update. */
  private readonly applied = new PathsByKey();
  private readonly pre = new Map<string, PreSubscription[]>();

  addManual(key: string, deviceId: string, path: string): void {
    this.manual.add(key, deviceId, path);
  }

  /** Ends the key's subscription of the path, manual or by an applied pre-subscription. */
  unsubscribe(key: string, deviceId: string, path: string): boolean {
    const manual = this.manual.delete(key, deviceId, path);
    return this.applied.delete(key, deviceId, path) || manual;
  }

  /** Ends every subscription of the key on the device (DELETE /v2/subscriptions/{id}). */
  clearDevice(key: string, deviceId: string): void {
    this.manual.clear(key, deviceId);
    this.applied.clear(key, deviceId);
  }

  /** A full re-registration or de-registration ends every subscription of the device. */
  dropDevice(deviceId: string): void {
    this.manual.dropDevice(deviceId);
    this.applied.dropDevice(deviceId);
  }

  manualPaths(key: string, deviceId: string): string[] {
    return this.manual.paths(key, deviceId);
  }

  /** Applies the keys' current pre-subscriptions to a device that registered or updated its registration. */
  applyPre(device: Device, keys: Iterable<string>): void {
    for (const key of keys) this.applied.set(key, device.id, this.prePaths(key, device));
  }

  /** A path the device refused to have observed is no longer subscribed, until it applies again. */
  refused(deviceId: string, path: string, keys: Iterable<string>): void {
    for (const key of keys) {
      this.manual.delete(key, deviceId, path);
      this.applied.delete(key, deviceId, path);
    }
  }

  /** What the key is subscribed to on the device: manual subscriptions and applied pre-subscriptions. */
  subscribedPaths(key: string, deviceId: string): string[] {
    return [...new Set([...this.manual.paths(key, deviceId), ...this.applied.paths(key, deviceId)])];
  }

  setPre(key: string, list: PreSubscription[]): void {
    this.pre.set(key, list);
  }

  getPre(key: string): PreSubscription[] {
    return this.pre.get(key) ?? [];
  }

  /** Paths of the device that the key's pre-subscriptions cover. */
  prePaths(key: string, device: Device): string[] {
    const paths = new Set<string>();
    for (const p of this.getPre(key)) {
      const name = p['endpoint-name'];
      if (
        name !== undefined &&
        !matchesPattern(name, device.id) &&
        !matchesPattern(name, device.endpointName)
      ) {
        continue;
      }
      const type = p['endpoint-type'];
      if (type !== undefined && !matchesPattern(type, device.endpointType)) continue;
      const wanted = p['resource-path'];
      if (!wanted || wanted.length === 0) {
        for (const l of device.links) if (l.attributes['obs'] !== undefined) paths.add(l.path);
        continue;
      }
      for (const w of wanted) {
        const normalized = normalizePath(w);
        if (!normalized.endsWith('*')) {
          if (resourceInfo(device, normalized).known) paths.add(normalized);
          continue;
        }
        for (const l of device.links) {
          if (matchesPattern(normalized, l.path) && l.attributes['obs'] !== undefined) paths.add(l.path);
        }
      }
    }
    return [...paths];
  }

  /** Every path of the device some key is subscribed to, so the device must be observed. */
  wantedPaths(device: Device, keys: Iterable<string>): Set<string> {
    const paths = new Set<string>();
    for (const key of keys) for (const p of this.subscribedPaths(key, device.id)) paths.add(p);
    return paths;
  }

  isSubscribed(key: string, device: Device, path: string): boolean {
    return this.manual.has(key, device.id, path) || this.applied.has(key, device.id, path);
  }
}
