import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSegment, Spool } from '../../src/spool.ts';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spool-test-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const state = (count: number) => ({ count, timeUs: count, lastPointUs: count });

describe('Spool', () => {
  it('replays what was not released, with the derivation state and product ids, after a crash', () => {
    const d = dir();
    const first = new Spool(d, 200);
    first.replay();
    first.start({ devices: {}, products: {} });
    // What the bridge knows after each record; a rotation snapshots it.
    const known = { devices: { x: state(1) }, products: { x: 'oat-milk' } };
    const a = first.append(
      { s: { main: ['a1', 'a2'] }, d: new Map([['x', state(1)]]), p: { x: 'oat-milk' }, r: 1 },
      () => known,
    );
    first.release(a, 2);
    for (let i = 0; i < 5; i++) {
      first.append({ s: { main: [`b${i}`] }, d: new Map([['x', state(10 + i)]]), r: 2 }, () => known);
      known.devices = { x: state(10 + i) };
    }
    // No close: the process dies here. A half-written record is at the end.
    const last = readdirSync(d)
      .filter((f) => f.startsWith('segment'))
      .sort()
      .at(-1) as string;
    appendFileSync(join(d, last), '{"s":{"main":["tor');

    const second = new Spool(d, 200);
    const replay = second.replay();
    // Released points may come again when their segment survived: harmless, a point
    // with the same series and time overwrites itself in InfluxDB.
    const lines = replay.records.flatMap((r) => r.record.s['main']);
    expect(lines).toEqual(expect.arrayContaining(['b0', 'b1', 'b2', 'b3', 'b4']));
    expect(lines).not.toContain('torn');
    expect(replay.state.devices['x']?.count).toBe(14);
    expect(replay.state.products['x']).toBe('oat-milk');
    expect(replay.torn).toBe(1);
  });

  it('deletes segments once every point in them is released', () => {
    const d = dir();
    const spool = new Spool(d, 50);
    spool.replay();
    spool.start({ devices: {}, products: {} });
    const segments: number[] = [];
    for (let i = 0; i < 4; i++)
      segments.push(
        spool.append({ s: { main: [`line-${i}-${'x'.repeat(40)}`] }, d: new Map(), r: 0 }, () => ({
          devices: {},
          products: {},
        })),
      );
    expect(new Set(segments).size).toBeGreaterThan(1);
    for (const s of segments) spool.release(s, 1);
    // Only the current segment stays.
    expect(readdirSync(d).filter((f) => f.startsWith('segment'))).toHaveLength(1);
    spool.close();
    const again = new Spool(d, 50);
    expect(again.replay().records).toHaveLength(0);
  });

  it('stores points as plain lines after a header, and reads a record cut short as torn', () => {
    const d = dir();
    const spool = new Spool(d);
    spool.replay();
    spool.start({ devices: {}, products: {} });
    const lines = ['product_count,device_id=a count=3i 1', 'shelf_event,device_id=a,kind=pickup items=1i 1'];
    spool.append(
      { s: { main: lines, second: [lines[0] as string] }, d: new Map([['a', state(3)]]), r: 5 },
      () => ({
        devices: {},
        products: {},
      }),
    );
    const file = join(d, readdirSync(d).find((f) => f.startsWith('segment')) as string);
    const text = readFileSync(file, 'utf8');
    // The points are on disk as line protocol, not escaped into JSON.
    expect(text.split('\n').slice(1, 4)).toEqual([...lines, lines[0]]);
    expect(parseSegment(text)).toEqual({
      records: [{ s: { main: lines, second: [lines[0]] }, d: { a: state(3) }, r: 5 }],
      torn: 0,
    });
    // Cut anywhere after its header, a record is torn and left out, never half taken.
    for (const cut of [text.length - 1, text.indexOf('\n') + 1, text.indexOf('\n') + 10])
      expect(parseSegment(text.slice(0, cut))).toEqual({ records: [], torn: 1 });
  });

  it('still replays segments written before the header format (one JSON record per line)', () => {
    const record = { s: { main: ['product_count,device_id=b count=1i 2'] }, d: { b: state(1) }, r: 7 };
    expect(parseSegment(`${JSON.stringify(record)}\n`)).toEqual({ records: [record], torn: 0 });
  });
});
