// Per fleet: the distinct devices the bridge has seen and the notifications
// it received, since this process started. Read by the health report.
import type { FleetRoute } from './routing.ts';

export interface FleetTally {
  /** The fleet's route as last seen (its sinks may change). */
  route: FleetRoute;
  devices: Set<string>;
  notifications: number;
}

/** A fleet is its namespace and name: two namespaces may both have a fleet "aisle-7". */
const keyOf = (route: FleetRoute): string => `${route.namespace}\u0000${route.fleet}`;

export class FleetStats {
  private readonly fleets = new Map<string, FleetTally>();

  /** Fleets known before any notification (static routing), so they report zeros. */
  addRoutes(routes: readonly FleetRoute[]): void {
    for (const route of routes) this.tally(route);
  }

  /** One notification of `deviceId`, which `route` selects. */
  record(route: FleetRoute, deviceId: string): void {
    const tally = this.tally(route);
    tally.devices.add(deviceId);
    tally.notifications++;
  }

  list(): FleetTally[] {
    return [...this.fleets.values()];
  }

  private tally(route: FleetRoute): FleetTally {
    const key = keyOf(route);
    let tally = this.fleets.get(key);
    if (!tally) {
      tally = { route, devices: new Set(), notifications: 0 };
      this.fleets.set(key, tally);
    } else tally.route = route;
    return tally;
  }
}
