// Merging the fleet's pre-subscription into the device cloud's shared list.
import { describe, expect, it } from 'vitest';
import {
  belongsToFleet,
  fleetPresubscription,
  mergePresubscriptions,
} from '../../src/shelf-fleet/subscriptions.ts';

const foreign = { endpointName: 'thermostat-*', resourcePaths: ['/3303/0/5700'] };
const typeOnly = { endpointType: 'door-sensor' };

describe('fleet pre-subscriptions', () => {
  const mine = fleetPresubscription({ endpointNamePrefix: 'shop1.aisle7.' });

  it('match the fleet prefix with a trailing wildcard on the shelf resources', () => {
    expect(mine).toEqual({
      endpointName: 'shop1.aisle7.*',
      resourcePaths: ['/10341/0/26341', '/10341/0/26342'],
    });
  });

  it('are added beside entries the operator does not own, never replacing them', () => {
    expect(mergePresubscriptions([foreign, typeOnly], [mine])).toEqual([foreign, typeOnly, mine]);
  });

  it('are not added twice (paths in any order count as the same entry)', () => {
    const reordered = { ...mine, resourcePaths: [...mine.resourcePaths!].reverse() };
    expect(mergePresubscriptions([foreign, reordered], [mine])).toBeUndefined();
  });

  it('are removed without touching the others', () => {
    expect(mergePresubscriptions([foreign, mine, typeOnly], [], [mine])).toEqual([foreign, typeOnly]);
  });
});

describe('fleet membership', () => {
  it('needs the prefix and the type when both are given', () => {
    const devices = { endpointNamePrefix: 'a7-', endpointType: 'smart-shelf' };
    expect(belongsToFleet({ id: '1', endpointName: 'a7-0', endpointType: 'smart-shelf' }, devices)).toBe(
      true,
    );
    expect(belongsToFleet({ id: '2', endpointName: 'a7-1', endpointType: 'fridge' }, devices)).toBe(false);
    expect(belongsToFleet({ id: '3', endpointName: 'a8-0', endpointType: 'smart-shelf' }, devices)).toBe(
      false,
    );
  });

  it('matches nothing when the fleet names no devices', () => {
    expect(belongsToFleet({ id: '1', endpointName: 'x' }, {})).toBe(false);
  });
});
