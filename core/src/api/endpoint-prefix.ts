// Which LwM2M endpoint names belong to a ShelfFleet: those starting with its
// endpoint name prefix. The operator subscribes them and names simulated
// shelves with it; the bridge routes their data to the fleet by it. The rule:
// - spec.devices.endpointNamePrefix, when set, is the prefix;
// - else a fleet with spec.simulator names its shelves `<namespace>.<name>.<index>`,
//   so its prefix is `<namespace>.<name>.`;
// - else the fleet has no prefix: its devices are chosen by endpoint type alone.
import type { ShelfFleetSpec } from './shelf-fleet.ts';

export interface FleetIdentity {
  namespace: string;
  name: string;
  spec: Pick<ShelfFleetSpec, 'devices' | 'simulator'>;
}

export function fleetEndpointPrefix(fleet: FleetIdentity): string | undefined {
  const { namespace, name, spec } = fleet;
  return spec.devices?.endpointNamePrefix ?? (spec.simulator ? `${namespace}.${name}.` : undefined);
}
