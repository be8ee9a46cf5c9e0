// Two candidates for one Lease; the leader's API server stops answering (a
// silent TCP proxy in front of it, the other candidate goes direct). The old
// leader must stop acting on its own, before the other can take the lease:
// the overlap between the old leader's last action and the new one's first is
// zero, measured on one clock.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createNamespace,
  eventually,
  loadKubeConfig,
  type SilentProxy,
  startSilentProxy,
} from '@shelfpulse/testenv';
import { KubeClient } from '../../src/kube/client.ts';
import { fromKubeconfig } from '../../src/kube/connection.ts';
import { LeaderElector } from '../../src/runtime/leader-election.ts';

const env = inject('testenv');
const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 250 };

interface Candidate {
  elector: LeaderElector;
  /** When this candidate acted as the leader (every 10 ms while it leads). */
  actions: number[];
  stop: AbortController;
  done: Promise<void>;
}

describe('leader election when the API server stops answering', () => {
  let namespace: string;
  let proxy: SilentProxy;
  const candidates: Candidate[] = [];

  const candidate = (identity: string, server?: string): Candidate => {
    const direct = fromKubeconfig(env.kube.kubeconfig);
    const client = new KubeClient(server ? { ...direct, server: new URL(server) } : direct);
    const elector = new LeaderElector(
      client,
      { namespace, name: 'overlap', identity, ...timing },
      pino({ level: 'silent' }),
    );
    const actions: number[] = [];
    const stop = new AbortController();
    const done = elector.run(
      stop.signal,
      async (leading) => {
        // The work a leader does, checked against its leadership before every step.
        while (!leading.aborted) {
          actions.push(performance.now());
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      async () => {},
    );
    const c = { elector, actions, stop, done };
    candidates.push(c);
    return c;
  };

  beforeAll(async () => {
    namespace = await createNamespace(loadKubeConfig(env.kube.kubeconfig), 'overlap');
    proxy = await startSilentProxy(new URL(env.kube.server));
  });
  afterAll(async () => {
    proxy.speak();
    for (const c of candidates) c.stop.abort();
    await Promise.all(candidates.map((c) => c.done));
    await proxy.close();
  });

  it('has no two leaders acting at once', async () => {
    const a = candidate('behind-proxy', proxy.url);
    await eventually('a leads', async () => (a.elector.isLeader ? true : undefined), 10_000);
    const b = candidate('direct');
    // b sees a renew for a while and stays a follower.
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.elector.isLeader).toBe(false);
    expect(b.actions).toEqual([]);

    const silencedAt = performance.now();
    proxy.silence();
    await eventually('b leads', async () => (b.actions.length > 0 ? true : undefined), 15_000);
    const lastOfA = Math.max(...a.actions);
    const firstOfB = b.actions[0]!;
    const overlapMs = Math.max(0, lastOfA - firstOfB);
    console.log(
      `a stopped ${Math.round(lastOfA - silencedAt)} ms after the silence, b started ${Math.round(
        firstOfB - silencedAt,
      )} ms after it: overlap ${overlapMs} ms, gap ${Math.round(firstOfB - lastOfA)} ms`,
    );
    expect(overlapMs).toBe(0);
    // a stopped by itself, with no answer at all, within its renew deadline (plus a retry period).
    expect(a.elector.isLeader).toBe(false);
    expect(lastOfA - silencedAt).toBeLessThan(timing.renewDeadlineMs + timing.retryPeriodMs + 200);

    // When the API server answers a again, a finds b holding the lease and stays a follower.
    const resumed = a.actions.length;
    proxy.speak();
    await new Promise((r) => setTimeout(r, 2 * timing.leaseDurationMs));
    expect(a.actions.length).toBe(resumed);
    expect(b.elector.isLeader).toBe(true);
  });
});
