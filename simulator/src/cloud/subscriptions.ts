// Subscriptions per API key: manual ones (PUT /v2/subscriptions/{id}/{path})
// and pre-subscriptions (PUT /v2/subscriptions), which are matched against a
// device when it registers or updates its registration.
import { z } from 'zod';
import { normalizePath, parseObjectPath } from '../lwm2m/object-path.ts';
import type { Device } from './device-registry.ts';

const pattern = z.string().min(1).max(255);

export const PreSubscriptionSchema = z.object({
  'endpoint-name': pattern.optional().describe('Device ID or endpoint name; a trailing * matches a prefix.'),
  'endpoint-type': pattern.optional().describe('Endpoint type; a trailing * matches a prefix.'),
  'resource-path': z
    .array(pattern)
    .max(1000)
    .optional()
    .describe('Resource paths; a trailing * matches a prefix. Absent: every observable resource.'),
});
export type PreSubscription = z.infer<typeof PreSubscriptionSchema>;

export const PreSubscriptionListSchema = z.array(PreSubscriptionSchema).max(1000);

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

export class Subscriptions {
  private readonly manual = new Map<string, Map<string, Set<string>>>();
  private readonly pre = new Map<string, PreSubscription[]>();

  addManual(key: string, deviceId: string, path: string): void {
    let byDevice = this.manual.get(key);
    if (!byDevice) this.manual.set(key, (byDevice = new Map()));
    let paths = byDevice.get(deviceId);
    if (!paths) byDevice.set(deviceId, (paths = new Set()));
    paths.add(path);
  }

  removeManual(key: string, deviceId: string, path: string): boolean {
    return this.manual.get(key)?.get(deviceId)?.delete(path) ?? false;
  }

  clearManual(key: string, deviceId: string): void {
    this.manual.get(key)?.delete(deviceId);
  }

  /** A full re-registration or de-registration ends every manual subscription of the device. */
  dropDevice(deviceId: string): void {
    for (const byDevice of this.manual.values()) byDevice.delete(deviceId);
  }

  manualPaths(key: string, deviceId: string): string[] {
    return [...(this.manual.get(key)?.get(deviceId) ?? [])];
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

  /** Every path of the device some key wants observed. */
  wantedPaths(device: Device, keys: Iterable<string>): Set<string> {
    const paths = new Set<string>();
    for (const key of keys) {
      for (const p of this.manualPaths(key, device.id)) paths.add(p);
      for (const p of this.prePaths(key, device)) paths.add(p);
    }
    return paths;
  }

  isSubscribed(key: string, device: Device, path: string): boolean {
    return (
      this.manual.get(key)?.get(device.id)?.has(path) === true || this.prePaths(key, device).includes(path)
    );
  }
}
