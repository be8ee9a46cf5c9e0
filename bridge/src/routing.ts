// Which fleet and sinks a device belongs to. The bridge sees routing only
// through `Router`; a static table (file or flags) and the Kubernetes
// resources (ShelfFleet/MetricSink, watched by the operator) both implement it.
import { z } from 'zod';
import { PlacementSchema, type Placement } from '@shelfpulse/core/api/placement';
import type { DeviceIdentity } from './devices.ts';

export const FleetRouteSchema = z
  .object({
    fleet: z.string().min(1),
    namespace: z.string().min(1).default('default'),
    store: z.string().default(''),
    aisle: z.string().default(''),
    devicePrefix: z
      .string()
      .default('')
      .describe('Devices whose endpoint name starts with this belong to the fleet.'),
    deviceType: z.string().min(1).optional().describe('Only devices of this endpoint type, when set.'),
    sinks: z.array(z.string().min(1)).min(1).describe('Names of the sinks that receive this fleet’s points.'),
    placements: z.array(PlacementSchema).default([]),
  })
  .describe('One fleet as the bridge routes it.');
export type FleetRoute = z.infer<typeof FleetRouteSchema>;
export type FleetRouteInput = z.input<typeof FleetRouteSchema>;

export interface Router {
  route(device: DeviceIdentity): FleetRoute | undefined;
  /** Every fleet, for the placement history; a router without it records none. */
  routes?(): readonly FleetRoute[];
}

/** Whether a fleet selects this device; a device whose name is not known yet is selected by no prefix. */
export function selects(route: FleetRoute, device: DeviceIdentity): boolean {
  if (route.deviceType !== undefined && device.endpointType !== route.deviceType) return false;
  if (route.devicePrefix === '') return route.deviceType !== undefined || device.endpointName !== undefined;
  return device.endpointName?.startsWith(route.devicePrefix) ?? false;
}

/** The placement of a product in a fleet, if the fleet names it. */
export function placementOf(route: FleetRoute, productId: string | undefined): Placement | undefined {
  return productId === undefined ? undefined : route.placements.find((p) => p.productId === productId);
}

/** A fixed table; the longest matching prefix wins. Replaced whole by `update`. */
export class StaticRouter implements Router {
  private table: FleetRoute[] = [];

  constructor(routes: FleetRoute[]) {
    this.update(routes);
  }

  update(routes: FleetRoute[]): void {
    this.table = [...routes].sort((a, b) => b.devicePrefix.length - a.devicePrefix.length);
  }

  route(device: DeviceIdentity): FleetRoute | undefined {
    return this.table.find((r) => selects(r, device));
  }

  routes(): readonly FleetRoute[] {
    return this.table;
  }
}
