// The one line-protocol encoder of the bridge: shelf data through prepared
// tag sets, every other measurement through pointLine.
import { bridgeSinkHealth } from '@shelfpulse/core/measurements';
import { describe, expect, it } from 'vitest';
import { countLine, escapeTag, eventLine, integer, pointLine, tagSet } from '../../src/line-protocol.ts';

describe('line protocol', () => {
  it('writes product_count with sorted tags, an integer field and microseconds', () => {
    expect(
      countLine(
        tagSet({
          device_id: 'shelf-1',
          product_id: 'sku-1',
          fleet: 'aisle-7',
          namespace: 'shop',
          position: 'low',
        }),
        12,
        1_700_000_000_000_001,
      ),
    ).toBe(
      'product_count,device_id=shelf-1,fleet=aisle-7,namespace=shop,position=low,product_id=sku-1 count=12i 1700000000000001',
    );
  });

  it('puts the kind tag in order and omits empty tags', () => {
    expect(
      eventLine(tagSet({ device_id: 'd', aisle: '', store: 's 1', product_id: 'p' }), 'pickup', 2, 5),
    ).toBe('shelf_event,device_id=d,kind=pickup,product_id=p,store=s\\ 1 items=2i 5');
    expect(eventLine(tagSet({ device_id: 'd', aisle: 'a' }), 'restock', 20, 6)).toBe(
      'shelf_event,aisle=a,device_id=d,kind=restock items=20i 6',
    );
  });

  it('escapes commas, equals signs, spaces and drops newlines', () => {
    expect(escapeTag('a,b=c d\ne')).toBe('a\\,b\\=c\\ de');
    expect(countLine(tagSet({ device_id: 'x', namespace: 'n' }), 1, 2)).toBe(
      'product_count,device_id=x,namespace=n count=1i 2',
    );
    expect(eventLine(tagSet({ device_id: 'x' }), 'putback', 1, 2)).toBe(
      'shelf_event,device_id=x,kind=putback items=1i 2',
    );
  });
});

describe('pointLine', () => {
  it("writes the bridge's health with the dashboards' tags, sorted, and integer fields", () => {
    const tags = Object.fromEntries(bridgeSinkHealth.tags.map((t) => [t, `v-${t}`]));
    const fields = Object.fromEntries(Object.values(bridgeSinkHealth.fields).map((f, i) => [f, integer(i)]));
    expect(pointLine(bridgeSinkHealth.measurement, tags, fields, 5)).toBe(
      'shelfpulse_bridge_sink,namespace=v-namespace,pod=v-pod,sink=v-sink ' +
        'write_errors_total=0i,points_dropped_total=1i,buffer_depth=2i 5',
    );
  });

  it('writes floats, integers, booleans and quoted strings, and leaves out what has no value', () => {
    const line = pointLine(
      'm',
      { b: 'x y', a: '', c: 'a,b=c' },
      {
        ratio: 0.25,
        n: integer(3.9),
        placed: false,
        status: 'say "hi" \\',
        lower: undefined,
        upper: Number.NaN,
      },
      1.5,
    );
    expect(line).toBe(String.raw`m,b=x\ y,c=a\,b\=c ratio=0.25,n=3i,placed=false,status="say \"hi\" \\" 1`);
  });

  it('refuses a point without a field', () => {
    expect(() => pointLine('m', { a: 'b' }, { x: undefined, y: Infinity }, 1)).toThrow(
      'a m point needs at least one field with a value',
    );
  });
});
