// The one rule for which endpoint names belong to a fleet, shared by the
// operator (subscriptions, simulated shelf names) and the bridge (routing).
import { describe, expect, it } from 'vitest';
import { fleetEndpointPrefix } from '../../src/api/endpoint-prefix.ts';
import { ShelfFleetSpecSchema } from '../../src/api/shelf-fleet.ts';

const placements = [{ productId: 'tea', position: 'top' }];
const prefixOf = (spec: unknown) =>
  fleetEndpointPrefix({ namespace: 'shop', name: 'aisle-7', spec: ShelfFleetSpecSchema.parse(spec) });

describe('fleet endpoint prefix', () => {
  it('is spec.devices.endpointNamePrefix when set, with or without a simulator', () => {
    expect(prefixOf({ placements, devices: { endpointNamePrefix: 'a7-' } })).toBe('a7-');
    expect(prefixOf({ placements, devices: { endpointNamePrefix: 'a7-' }, simulator: {} })).toBe('a7-');
  });

  it('is <namespace>.<name>. for simulated shelves without one', () => {
    expect(prefixOf({ placements, simulator: {} })).toBe('shop.aisle-7.');
    expect(prefixOf({ placements, devices: { endpointType: 'shelf' }, simulator: {} })).toBe('shop.aisle-7.');
  });

  it('is absent for real devices chosen by endpoint type alone', () => {
    expect(prefixOf({ placements, devices: { endpointType: 'shelf' } })).toBeUndefined();
  });
});
