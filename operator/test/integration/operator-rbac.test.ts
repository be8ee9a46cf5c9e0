// The operator process runs as a ServiceAccount bound to exactly the chart's
// RBAC (rendered by the real helm): it works; with one permission taken away
// it says what it may not do, keeps serving everything else and does not crash.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, applyChartTemplates, kubectl, serviceAccountKubeconfig } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { isNotFound, type KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { spawnOperator, type OperatorProcess } from './operator-process.ts';
import { clusterWithCrds } from './support.ts';

const env = inject('testenv');

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

describe('the operator under the chart RBAC', () => {
  let client: KubeClient;
  let namespace: string;
  let release: string;
  let operator: OperatorProcess;
  const fleetPath = (name?: string) => resourcePath(resources.shelfFleets, namespace, name);
  const condition = async (name: string, type: string) => {
    const f = await client.get<ShelfFleet & KubeObject>(fleetPath(name));
    return f.status?.observedGeneration === f.metadata.generation
      ? f.status?.conditions?.find((c) => c.type === type)
      : undefined;
  };
  const fleet = (name: string) =>
    client.create(fleetPath(), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name },
      spec: { placements: [{ productId: 'tea', position: 'top' }], simulator: {}, replicas: 1 },
    });
  const sink = (name: string) =>
    client.create(resourcePath(resources.metricSinks, namespace), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name },
      spec: { url: env.influx.url, database: `rbac_${randomBytes(3).toString('hex')}` },
    });
  const sinkReady = (name: string) =>
    eventually(`${name} checked`, async () => {
      const s = await client.get<MetricSink & KubeObject>(
        resourcePath(resources.metricSinks, namespace, name),
      );
      return s.status?.conditions?.find((c) => c.type === 'Ready');
    });

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('rbac'));
    release = `rbac-${randomBytes(3).toString('hex')}`;
    await applyChartTemplates(env, {
      release,
      namespace,
      templates: ['operator/serviceaccount.yaml', 'operator-rbac.yaml'],
    });
    const serviceAccount = `${release}-shelfpulse-operator`;
    const kubeconfig = await serviceAccountKubeconfig(env, namespace, serviceAccount);
    operator = await spawnOperator({
      KUBECONFIG: kubeconfig,
      SHELFPULSE_NAMESPACE: namespace,
      SHELFPULSE_WATCH_NAMESPACE: namespace,
      // As the chart sets it: the release namespace is the one managed by default.
      SHELFPULSE_MANAGED_NAMESPACES: namespace,
      SHELFPULSE_LEASE_NAME: serviceAccount,
      SHELFPULSE_POD_NAME: 'rbac-operator-0',
      SHELFPULSE_SINK_CHECK_MS: '2000',
    });
  });
  afterAll(async () => {
    await operator?.stop();
    if (release)
      await kubectl(
        env.kube.kubeconfig,
        'delete',
        'clusterrole,clusterrolebinding',
        '--ignore-not-found',
        `${release}-shelfpulse-operator`,
        `${release}-shelfpulse-operator-managed`,
      ).catch(() => '');
  });

  it('holds the lease, reconciles fleets and sinks, records events and removes its finalizer', async () => {
    await eventually('the lease', async () => {
      const lease = await client.get<KubeObject & { spec: { holderIdentity: string } }>(
        resourcePath(resources.leases, namespace, `${release}-shelfpulse-operator`),
      );
      return lease.spec.holderIdentity === 'rbac-operator-0' ? lease : undefined;
    });
    await fleet('allowed');
    await sink('allowed');
    expect(
      await eventually('allowed SimulatorAvailable', () => condition('allowed', 'SimulatorAvailable')),
    ).not.toMatchObject({
      reason: 'Forbidden',
    });
    await client.get(resourcePath(resources.statefulSets, namespace, 'allowed-sim'));
    expect(await sinkReady('allowed')).toMatchObject({ status: 'True', reason: 'Ready' });
    const events = await client.list<KubeObject & { reason: string; involvedObject: { name: string } }>(
      resourcePath(resources.events, namespace),
    );
    expect(events.items?.filter((e) => e.involvedObject.name === 'allowed').map((e) => e.reason)).toContain(
      'NoDeviceCloud',
    );
    await client.delete(fleetPath('allowed'));
    await eventually('the fleet deleted (finalizer removed)', () =>
      client.get(fleetPath('allowed')).then(
        () => undefined,
        (e: unknown) => (isNotFound(e) ? true : undefined),
      ),
    );
  });

  it('without "patch statefulsets" says so in the fleet status and keeps serving sinks, without crashing', async () => {
    // Workload writes are granted per managed namespace (here the release namespace, the default).
    const rolePath = `/apis/rbac.authorization.k8s.io/v1/clusterroles/${release}-shelfpulse-operator-managed`;
    const role = await client.get<KubeObject & { rules: Rule[] }>(rolePath);
    role.rules = role.rules.map((r) =>
      r.resources.includes('statefulsets') ? { ...r, verbs: r.verbs.filter((v) => v !== 'patch') } : r,
    );
    await client.request('PUT', rolePath, { body: role });

    await fleet('forbidden');
    const simulator = await eventually('SimulatorAvailable=Forbidden', async () => {
      const c = await condition('forbidden', 'SimulatorAvailable');
      return c?.reason === 'Forbidden' ? c : undefined;
    });
    expect(simulator.status).toBe('False');
    expect(simulator.message).toMatch(
      /statefulsets.apps "forbidden-sim" is forbidden: .*cannot patch resource "statefulsets"/,
    );
    expect(await condition('forbidden', 'Ready')).toMatchObject({ status: 'False' });

    await sink('still-served');
    expect(await sinkReady('still-served')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(
      await operator.metric('shelfpulse_operator_reconcile_errors_total', {
        controller: 'shelffleet',
        reason: 'Forbidden',
      }),
    ).toBeGreaterThan(0);
    expect(operator.process.exitCode).toBeNull();
    expect((await fetch(`${operator.url}/healthz`)).status).toBe(200);
    expect(operator.logs.some((l) => l['msg'] === 'reconcile failed' && l['reason'] === 'Forbidden')).toBe(
      true,
    );
  });
});
