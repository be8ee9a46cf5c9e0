// The ShelfFleet controller against the real API server and the real
// kube-controller-manager: the simulator workload appears with the right
// replicas, configuration and owner reference; `kubectl scale` reaches it;
// edits and deletions of children are put back; deleting the fleet lets the
// garbage collector remove the children.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, kubectl } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { SimulatorConfigSchema } from '@shelfpulse/core/api/simulator-config';
import { isNotFound, type KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';

const env = inject('testenv');

type StatefulSet = KubeObject & {
  spec: {
    replicas: number;
    podManagementPolicy: string;
    template: {
      metadata: { annotations: Record<string, string> };
      spec: {
        securityContext: Record<string, unknown>;
        containers: Array<{
          image: string;
          command: string[];
          readinessProbe?: { httpGet?: unknown };
          env: Array<{ name: string; valueFrom?: unknown }>;
          securityContext: Record<string, unknown>;
        }>;
      };
    };
  };
  status?: { replicas?: number };
};

describe('ShelfFleet workload', () => {
  let client: KubeClient;
  let namespace: string;
  let operator: RunningOperator;
  const fleetPath = () => resourcePath(resources.shelfFleets, namespace, 'aisle-7');
  const stsPath = () => resourcePath(resources.statefulSets, namespace, 'aisle-7-sim');
  const cmPath = () => resourcePath(resources.configMaps, namespace, 'aisle-7-sim');

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('fleet-workload'));
    operator = await startOperator(
      testOperatorConfig(namespace, { simulatorImage: 'example.test/shelf-sim:1' }),
      { processMetrics: false },
    );
  });
  afterAll(async () => {
    await operator?.close();
  });

  it('creates the StatefulSet and ConfigMap from the spec, owned by the fleet', async () => {
    const fleet = await client.create<ShelfFleet & KubeObject>(
      resourcePath(resources.shelfFleets, namespace),
      {
        apiVersion,
        kind: 'ShelfFleet',
        metadata: { name: 'aisle-7' },
        spec: {
          replicas: 2,
          store: 'store-12',
          aisle: '7',
          placements: [
            { productId: 'cola-330', position: 'eye-level', capacity: 24, restockThreshold: 6 },
            { productId: 'chips-150', position: 'low', capacity: 12, restockThreshold: 3 },
          ],
          simulator: { shelvesPerReplica: 3, speedup: 60, seed: 7 },
        },
      },
    );
    const sts = await eventually('the StatefulSet', () => client.get<StatefulSet>(stsPath()));
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'ShelfFleet',
        name: 'aisle-7',
        uid: fleet.metadata.uid,
        controller: true,
      }),
    ]);
    const pod = sts.spec.template.spec;
    const container = pod.containers[0]!;
    expect(container.image).toBe('example.test/shelf-sim:1');
    expect(container.command).toEqual([
      'node',
      'simulator/bin/shelf-sim.js',
      '--config',
      '/etc/shelf-sim/config.json',
      '--http',
      '0.0.0.0:9464',
    ]);
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'metrics' });
    expect(container.env).toContainEqual({
      name: 'SHELF_SIM_REPLICA_INDEX',
      valueFrom: {
        fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" },
      },
    });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });

    const cm = await client.get<KubeObject & { data: Record<string, string> }>(cmPath());
    expect(cm.metadata?.ownerReferences?.[0]?.uid).toBe(fleet.metadata.uid);
    const config = SimulatorConfigSchema.parse(JSON.parse(cm.data['config.json']!));
    expect(config).toMatchObject({
      fleet: 'aisle-7',
      namespace,
      store: 'store-12',
      aisle: '7',
      endpointPrefix: `${namespace}.aisle-7.`,
      server: { host: '127.0.0.1', port: 5683 },
      shelvesPerReplica: 3,
      speedup: 60,
      seed: 7,
    });
    expect(config.placements.map((p) => p.productId)).toEqual(['cola-330', 'chips-150']);
  });

  it('reports replicas, ready replicas, selector and observedGeneration in the status', async () => {
    // With the test environment's kwok node the pods become Ready; without it they stay Pending.
    const ready = env.kube.nodes ? 2 : 0;
    const fleet = await eventually(`status.replicas = 2 and readyReplicas = ${ready}`, async () => {
      const f = await client.get<ShelfFleet & KubeObject>(fleetPath());
      return f.status?.replicas === 2 && f.status.readyReplicas === ready ? f : undefined;
    });
    expect(fleet.status?.observedGeneration).toBe(fleet.metadata.generation);
    expect(fleet.status?.selector).toBe('app.kubernetes.io/name=shelf-sim,shelfpulse.io/fleet=aisle-7');
    const conditions = Object.fromEntries((fleet.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conditions['SimulatorAvailable']).toMatchObject(
      env.kube.nodes
        ? { status: 'True', reason: 'AllReplicasReady', message: '2 of 2 simulator pods ready' }
        : { status: 'False', reason: 'ReplicasNotReady' },
    );
    // No device cloud is configured for this operator, and the fleet names no sink.
    expect(conditions['Subscribed']).toMatchObject({ status: 'False', reason: 'NoDeviceCloud' });
    expect(conditions['Subscribed']?.message).toMatch(/SHELFPULSE_DEVICE_CLOUD_URL/);
    expect(conditions['SinkReady']).toMatchObject({ status: 'False', reason: 'NoSinks' });
    expect(conditions['Ready']).toMatchObject({ status: 'False', reason: 'NoDeviceCloud' });
  });

  it('follows `kubectl scale shelffleet/aisle-7 --replicas=5`', async () => {
    const out = await kubectl(
      env.kube.kubeconfig,
      '-n',
      namespace,
      'scale',
      'shelffleet/aisle-7',
      '--replicas=5',
    );
    expect(out).toMatch(/scaled/);
    await eventually('the StatefulSet at 5 replicas', async () => {
      const sts = await client.get<StatefulSet>(stsPath());
      return sts.spec.replicas === 5 ? sts : undefined;
    });
    const fleet = await eventually('status.replicas = 5', async () => {
      const f = await client.get<ShelfFleet & KubeObject>(fleetPath());
      return f.status?.replicas === 5 ? f : undefined;
    });
    expect(fleet.status?.observedGeneration).toBe(fleet.metadata.generation);
    const scale = JSON.parse(
      await kubectl(
        env.kube.kubeconfig,
        '-n',
        namespace,
        'get',
        'shelffleet/aisle-7',
        '--subresource=scale',
        '-o',
        'json',
      ),
    ) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    expect(scale).toMatchObject({
      spec: { replicas: 5 },
      status: { replicas: 5, selector: fleet.status?.selector },
    });
  });

  it('puts back a StatefulSet someone edits and a ConfigMap someone deletes', async () => {
    await client.mergePatch(stsPath(), { spec: { replicas: 1 } });
    await client.delete(cmPath());
    await eventually('the StatefulSet back at 5 replicas', async () => {
      const sts = await client.get<StatefulSet>(stsPath());
      return sts.spec.replicas === 5 ? sts : undefined;
    });
    await eventually('the ConfigMap back', () => client.get(cmPath()));
  });

  it('rolls the pods when the configuration changes', async () => {
    const before = await client.get<StatefulSet>(stsPath());
    await client.mergePatch(fleetPath(), { spec: { simulator: { speedup: 120 } } });
    const after = await eventually('a new config hash', async () => {
      const sts = await client.get<StatefulSet>(stsPath());
      const hash = sts.spec.template.metadata.annotations['shelfpulse.io/config-hash'];
      return hash !== before.spec.template.metadata.annotations['shelfpulse.io/config-hash']
        ? sts
        : undefined;
    });
    expect(after.spec.replicas).toBe(5);
    const cm = await client.get<KubeObject & { data: Record<string, string> }>(cmPath());
    expect(JSON.parse(cm.data['config.json']!)).toMatchObject({ speedup: 120 });
  });

  it('lets the garbage collector remove the children when the fleet is deleted', async () => {
    expect(env.kube.controllerManager).toBe(true);
    await client.delete(fleetPath());
    const gone = (path: string) => () =>
      client.get(path).then(
        () => undefined,
        (e: unknown) => (isNotFound(e) ? true : undefined),
      );
    await eventually('the fleet gone (finalizer handled)', gone(fleetPath()));
    // The garbage collector learns about a new CRD on its next discovery pass (up to 30 s).
    await eventually('the StatefulSet collected', gone(stsPath()), 60_000);
    await eventually('the ConfigMap collected', gone(cmPath()), 60_000);
    await eventually('the pods collected', async () => {
      const left = await client.list(
        resourcePath({ group: '', version: 'v1', plural: 'pods', kind: 'Pod' }, namespace),
        {
          labelSelector: 'shelfpulse.io/fleet=aisle-7',
        },
      );
      return (left.items ?? []).length === 0 ? true : undefined;
    });
  });
});
