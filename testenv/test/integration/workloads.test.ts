// The cluster around the API server behaves like one: a Deployment gets a
// ReplicaSet and pods (kube-controller-manager), the pods are scheduled
// (kube-scheduler) and become Ready (kwok), and deleting the owner collects them
// (garbage collector).
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { loadKubeConfig } from '../../src/index.ts';

const env = inject('testenv');

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('cluster controllers', () => {
  it('runs a Deployment to Ready pods and garbage-collects them with it', async () => {
    expect(env.kube.controllerManager && env.kube.nodes).toBe(true);
    const kc = loadKubeConfig(env.kube.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const namespace = 'testenv-workloads';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const labels = { app: 'hello' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'hello' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'hello', image: 'hello:1' }] } },
        },
      },
    });
    const ready = await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ name: 'hello', namespace });
      return d.status?.readyReplicas === 2 ? d.status.readyReplicas : undefined;
    });
    expect(ready).toBe(2);

    await apps.deleteNamespacedDeployment({ name: 'hello', namespace });
    const remaining = await eventually(async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=hello' });
      return pods.items.length === 0 ? 0 : undefined;
    });
    expect(remaining).toBe(0);
  });
});
