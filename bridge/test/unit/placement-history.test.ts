// The placement history the bridge writes: one point per placement new to the
// process, a move as "left the old position, placed at the new one", a removal
// as placed=false; nothing when nothing changed.
import { describe, expect, it } from 'vitest';
import { PlacementHistory } from '../../src/placement-history.ts';
import { FleetRouteSchema, type FleetRoute } from '../../src/routing.ts';
import type { Placement } from '@shelfpulse/core/api/placement';

const fleet = (placements: Placement[], name = 'aisle-7'): FleetRoute =>
  FleetRouteSchema.parse({
    fleet: name,
    namespace: 'shop',
    store: 's 1',
    devicePrefix: 'a7-',
    sinks: ['main'],
    placements,
  });
const cola = (position: Placement['position']): Placement => ({
  productId: 'cola',
  position,
  capacity: 12,
  restockThreshold: 3,
});
const t = 1_700_000_000_000;

describe('placement history', () => {
  it('writes every placement once, then only changes; a move is a removal and a placement at one time', () => {
    const history = new PlacementHistory();
    expect(history.changes([fleet([cola('eye-level')])], t)).toEqual({
      main: [
        'placement,fleet=aisle-7,namespace=shop,position=eye-level,product_id=cola,store=s\\ 1 placed=true,capacity=12i,restock_threshold=3i 1700000000000000',
      ],
    });
    expect(history.changes([fleet([cola('eye-level')])], t + 1)).toEqual({});
    expect(history.changes([fleet([cola('low')])], t + 2)).toEqual({
      main: [
        'placement,fleet=aisle-7,namespace=shop,position=eye-level,product_id=cola,store=s\\ 1 placed=false,capacity=12i,restock_threshold=3i 1700000000002000',
        'placement,fleet=aisle-7,namespace=shop,position=low,product_id=cola,store=s\\ 1 placed=true,capacity=12i,restock_threshold=3i 1700000000002000',
      ],
    });
  });

  it('a product or a whole fleet that goes is written as placed=false; after reset everything is written again', () => {
    const history = new PlacementHistory();
    const soap: Placement = { productId: 'soap', position: 'end-cap', capacity: 8, restockThreshold: 2 };
    history.changes([fleet([cola('eye-level'), soap]), fleet([soap], 'promo')], t);
    const removed = history.changes([fleet([cola('eye-level')])], t + 1)['main'] ?? [];
    expect(removed.map((l) => l.split(' ')[0])).toEqual([
      'placement,fleet=aisle-7,namespace=shop,position=end-cap,product_id=soap,store=s\\',
      'placement,fleet=promo,namespace=shop,position=end-cap,product_id=soap,store=s\\',
    ]);
    expect(removed.every((l) => l.includes('placed=false'))).toBe(true);
    history.reset();
    expect(history.changes([fleet([cola('eye-level')])], t + 2)['main']).toHaveLength(1);
  });

  it('a sink the bridge cannot write to yet is told once it can', () => {
    const history = new PlacementHistory();
    expect(history.changes([fleet([cola('eye-level')])], t, () => false)).toEqual({});
    expect(history.changes([fleet([cola('eye-level')])], t + 1, () => false)).toEqual({});
    expect(history.changes([fleet([cola('eye-level')])], t + 2)['main']).toHaveLength(1);
    expect(history.changes([fleet([cola('eye-level')])], t + 3)).toEqual({});
  });
});
