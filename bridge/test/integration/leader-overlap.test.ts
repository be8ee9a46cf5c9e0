// Two bridge replicas, one Lease; the holder's API server stops answering (a
// silent TCP proxy in front of it; the other replica goes direct). Two
// replicas taking notifications at once would be two consumers of one
// channel: the holder must stop being Ready (and stop taking notifications)
// before the other takes over, sampled every few milliseconds.
import { join } from 'node:path';
import {
  createNamespace,
  loadKubeConfig,
  type SilentProxy,
  startSilentProxy,
  writeKubeconfigVia,
} from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startBridgeApp, type BridgeApp } from '../../src/app.ts';
import { BridgeConfigSchema } from '../../src/config.ts';
import { eventually, route, silent } from './helpers.ts';

const env = inject('testenv');
const secret = 'overlap-test-secret-0123456789';
let namespace: string;
let proxy: SilentProxy;
const apps: BridgeApp[] = [];

async function replica(identity: string, kubeconfig: string): Promise<BridgeApp> {
  const app = await startBridgeApp(
    BridgeConfigSchema.parse({
      listen: { port: 0 },
      webhook: { secret },
      kube: { kubeconfig, namespace, routing: false },
      sinks: [{ name: 'main', url: env.influx.url, database: 'bl_overlap' }],
      fleets: [route({ placements: [] })],
      leaderElection: {
        namespace,
        identity,
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 250,
        handoverMs: 0,
      },
      healthIntervalMs: 0,
      logLevel: 'silent',
    }),
    { log: silent },
  );
  apps.push(app);
  return app;
}

/** Taking notifications: /readyz says `ready` (a standby is Ready too, and says `standby`). */
const ready = async (app: BridgeApp): Promise<boolean> =>
  (await (await fetch(`${app.url}/readyz`)).text()).trim() === 'ready';

beforeAll(async () => {
  namespace = await createNamespace(loadKubeConfig(env.kube.kubeconfig), 'bridge-overlap');
  proxy = await startSilentProxy(new URL(env.kube.server));
});

afterAll(async () => {
  proxy.speak();
  for (const app of apps) await app.close(500);
  await proxy.close();
});

describe('bridge replicas when the API server stops answering the holder', () => {
  it('never has two Ready replicas', async () => {
    const proxied = writeKubeconfigVia(
      env.kube.kubeconfig,
      proxy.url,
      join(env.workDir, `bridge-overlap-${process.pid}.kubeconfig`),
    );

    const a = await replica('behind-proxy', proxied);
    await eventually(() => ready(a), 10_000);
    const b = await replica('direct', env.kube.kubeconfig);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await ready(b)).toBe(false);

    const silencedAt = performance.now();
    proxy.silence();
    const samples: Array<{ at: number; a: boolean; b: boolean }> = [];
    while (performance.now() - silencedAt < 10_000) {
      const [ra, rb] = await Promise.all([ready(a), ready(b)]);
      samples.push({ at: performance.now() - silencedAt, a: ra, b: rb });
      if (rb && samples.filter((s) => s.b).length >= 10) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const lastOfA = Math.max(...samples.filter((s) => s.a).map((s) => s.at));
    const firstOfB = Math.min(...samples.filter((s) => s.b).map((s) => s.at));
    console.log(
      `${samples.length} samples: a last Ready ${Math.round(lastOfA)} ms after the silence, b first Ready ${Math.round(firstOfB)} ms after it`,
    );
    expect(samples.filter((s) => s.a && s.b)).toEqual([]);
    expect(firstOfB).toBeGreaterThan(lastOfA);
  });
});
