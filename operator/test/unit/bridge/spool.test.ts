import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../../src/bridge/spool.ts';

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
      { s: { main: ['a1', 'a2'] }, d: { x: state(1) }, p: { x: 'oat-milk' }, r: 1 },
      () => known,
    );
    first.release(a, 2);
    for (let i = 0; i < 5; i++) {
      first.append({ s: { main: [`b${i}`] }, d: { x: state(10 + i) }, r: 2 }, () => known);
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
        spool.append({ s: { main: [`line-${i}-${'x'.repeat(40)}`] }, d: {}, r: 0 }, () => ({
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
});
