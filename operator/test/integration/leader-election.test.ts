// Two operator processes with one Lease: only the leader reconciles; when it
// dies without a goodbye the other takes over within the lease duration, and
// when it stops cleanly (SIGTERM) it hands the lease over at once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { spawnOperator, type OperatorProcess } from './operator-process.ts';
import { clusterWithCrds } from './support.ts';

const env = inject('testenv');
const leaseDurationMs = 4000;
const reconciles = 'shelfpulse_operator_reconcile_duration_seconds_count';

describe('leader election', () => {
  let client: KubeClient;
  let namespace: string;
  const processes: OperatorProcess[] = [];

  const start = async (identity: string) => {
    const p = await spawnOperator({
      KUBECONFIG: env.kube.kubeconfig,
      SHELFPULSE_NAMESPACE: namespace,
      SHELFPULSE_WATCH_NAMESPACE: namespace,
      SHELFPULSE_POD_NAME: identity,
      SHELFPULSE_LEASE_DURATION_MS: String(leaseDurationMs),
      SHELFPULSE_RENEW_DEADLINE_MS: '3000',
      SHELFPULSE_RETRY_PERIOD_MS: '500',
    });
    processes.push(p);
    return p;
  };
  const holder = async () =>
    (
      await client.get<KubeObject & { spec: { holderIdentity?: string } }>(
        resourcePath(resources.leases, namespace, 'shelfpulse-operator'),
      )
    ).spec.holderIdentity;
  const fleet = (name: string) =>
    client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name },
      spec: {
        devices: { endpointNamePrefix: `${name}-` },
        placements: [{ productId: 'tea', position: 'top' }],
      },
    });
  const reconciled = (name: string) =>
    eventually(`${name} reconciled`, async () => {
      const f = await client.get<ShelfFleet & KubeObject>(
        resourcePath(resources.shelfFleets, namespace, name),
      );
      return f.status?.observedGeneration === f.metadata.generation ? f : undefined;
    });

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('leader'));
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  });

  it('lets only the leader reconcile', async () => {
    const a = await start('operator-a');
    await eventually('a leads', async () =>
      (await a.metric('shelfpulse_operator_leader')) === 1 ? true : undefined,
    );
    const b = await start('operator-b');
    await fleet('first');
    await reconciled('first');
    expect(await holder()).toBe('operator-a');
    // Written under the operator's user agent, whose name is the default field manager.
    const lease = await client.get(resourcePath(resources.leases, namespace, 'shelfpulse-operator'));
    const managers = (lease.metadata as { managedFields?: { manager: string }[] }).managedFields;
    expect(new Set(managers?.map((e) => e.manager))).toEqual(new Set(['shelfpulse-operator']));
    expect(await a.metric(reconciles, { controller: 'shelffleet' })).toBeGreaterThan(0);
    expect(await b.metric('shelfpulse_operator_leader')).toBe(0);
    expect(await b.metric(reconciles)).toBe(0);
    expect(await (await fetch(`${b.url}/readyz`)).text()).toBe('standby\n');
  });

  it('hands over within the lease duration when the leader dies', async () => {
    const [a, b] = processes as [OperatorProcess, OperatorProcess];
    const killed = Date.now();
    await a.stop('SIGKILL');
    await eventually(
      'b leads',
      async () => ((await b.metric('shelfpulse_operator_leader')) === 1 ? true : undefined),
      15_000,
    );
    const takeover = Date.now() - killed;
    // The lease duration, plus one retry period and a little for polling the metric.
    expect(takeover).toBeLessThan(leaseDurationMs + 1500);
    expect(await holder()).toBe('operator-b');
    await fleet('second');
    await reconciled('second');
  });

  it('hands the lease over at once on SIGTERM', async () => {
    const b = processes[1]!;
    const c = await start('operator-c');
    expect(await c.metric('shelfpulse_operator_leader')).toBe(0);
    const stopped = Date.now();
    expect(await b.stop('SIGTERM')).toBe(0);
    await eventually(
      'c leads',
      async () => ((await c.metric('shelfpulse_operator_leader')) === 1 ? true : undefined),
      15_000,
    );
    expect(Date.now() - stopped).toBeLessThan(leaseDurationMs);
    expect(await holder()).toBe('operator-c');
    await fleet('third');
    await reconciled('third');
  });
});
