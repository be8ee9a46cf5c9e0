// The work queue's guarantees that controllers rely on.
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/runtime/work-queue.ts';

describe('WorkQueue', () => {
  it('holds a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.depth).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key to two workers; an add during processing is processed afterwards', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.depth).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key!);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('backs off per key, longer with each failure, and starts again after a success', () => {
    const q = new WorkQueue({ initialMs: 100, maxMs: 1000 });
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('k'));
    const steps = [100, 200, 400, 800, 1000, 1000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(steps[i]! / 2);
      expect(d).toBeLessThanOrEqual(steps[i]!);
    });
    expect(q.failuresOf('k')).toBe(6);
    expect(q.addRateLimited('other')).toBeLessThanOrEqual(100);
    q.forget('k');
    expect(q.addRateLimited('k')).toBeLessThanOrEqual(100);
    q.shutDown();
  });

  it('delivers a delayed key after its delay, keeping the earliest of two delays', async () => {
    const q = new WorkQueue();
    const start = Date.now();
    q.addAfter('k', 300);
    q.addAfter('k', 50);
    expect(await q.get()).toBe('k');
    expect(Date.now() - start).toBeLessThan(250);
  });

  it('releases waiting workers on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
  });
});
