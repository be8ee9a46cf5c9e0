// Proves the Kubernetes API of the test environment is the real thing: the
// built release, CRDs served with watches, and authentication + RBAC enforced.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Watch,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKubeConfig, mintServiceAccountKubeconfig } from '../../src/index.ts';

const env = inject('testenv');
const group = 'smoke.shelfpulse.io';

const crd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: { size: { type: 'integer', minimum: 1 } },
              },
            },
          },
        },
      },
    ],
  },
};

async function waitForEstablished(api: ApiextensionsV1Api, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const current = await api.readCustomResourceDefinition({ name });
    if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${name} never became Established`);
}

// Right after a CRD is established its watch cache may still be initialising
// (429 with Retry-After), as on any cluster; a watcher retries. client-node
// reports a refused watch through the done callback, before watch() resolves.
async function watchWhenReady(
  kc: KubeConfig,
  path: string,
  onEvent: (type: string, obj: { metadata: { name: string } }) => void,
): Promise<AbortController> {
  for (let attempt = 0; attempt < 50; attempt++) {
    let refused: unknown;
    const controller = await new Watch(kc).watch(path, {}, onEvent, (err) => (refused ??= err));
    if (!refused) return controller;
    if ((refused as { statusCode?: number }).statusCode !== 429) throw refused;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`watch of ${path} refused 50 times`);
}

describe('kube-apiserver', () => {
  let kc: KubeConfig;
  beforeAll(() => {
    kc = loadKubeConfig(env.kube.kubeconfig);
  });

  it('reports the release it was built from on /version (kubectl)', () => {
    const out = execFileSync('kubectl', ['--kubeconfig', env.kube.kubeconfig, 'get', '--raw', '/version']);
    const version = JSON.parse(out.toString()) as { gitVersion: string; major: string; minor: string };
    expect(version.gitVersion).toMatch(/^v1\.3[4-7]\.\d+$/);
    expect(`v${version.major}.${version.minor}`).toBe(version.gitVersion.split('.').slice(0, 2).join('.'));
  });

  it('serves a CRD, validates its schema, and streams watch events for its objects', async () => {
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({ body: crd });
    await waitForEstablished(extensions, crd.metadata!.name!);

    const objects = kc.makeApiClient(CustomObjectsApi);
    const seen: string[] = [];
    let sawW1: () => void = () => undefined;
    const w1Added = new Promise<void>((resolve) => (sawW1 = resolve));
    const path = `/apis/${group}/v1/namespaces/default/widgets`;
    const watch = await watchWhenReady(kc, path, (type, obj) => {
      seen.push(`${type} ${obj.metadata.name}`);
      if (type === 'ADDED' && obj.metadata.name === 'w1') sawW1();
    });
    const body = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
    await objects.createNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
      body,
    });
    await w1Added;
    watch.abort();
    expect(seen).toContain('ADDED w1');

    const invalid = { ...body, metadata: { name: 'w2' }, spec: { size: 0 } };
    await expect(
      objects.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: 'default',
        plural: 'widgets',
        body: invalid,
      }),
    ).rejects.toThrow(/spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1/);
  });

  it('enforces RBAC: a ServiceAccount without bindings is forbidden, the admin is not', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace: 'default',
      body: { metadata: { name: 'nobody' } },
    });
    const path = await mintServiceAccountKubeconfig(
      kc,
      { server: env.kube.server, caFile: env.kube.caFile },
      'default',
      'nobody',
      join(env.workDir, 'nobody.kubeconfig'),
    );
    const asNobody = loadKubeConfig(path).makeApiClient(CoreV1Api);
    await expect(asNobody.listNamespace()).rejects.toThrow(/forbidden/);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('default');
  });
});
