// The bridge's ServiceAccount may patch pods (RBAC cannot say "only this label
// on my own pod"), and the chart's admission policy narrows that to exactly
// what the bridge does: move shelfpulse.io/bridge-active on its own release's
// bridge pods. Rendered by the real helm, enforced by the real API server.
import { randomBytes } from 'node:crypto';
import {
  createNamespace,
  eventually,
  applyChartTemplates,
  kubectl,
  loadKubeConfig,
  serviceAccountKubeconfig,
} from '@shelfpulse/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeLabel, ActivePodLabel } from '../../src/active-label.ts';
import { KubeClient, type KubeObject } from '@shelfpulse/core/kube/client';
import { fromKubeconfig } from '@shelfpulse/core/kube/connection';
import { fieldManager } from '../../src/field-manager.ts';
import { managedFields, silent } from './helpers.ts';

const env = inject('testenv');

interface Pod extends KubeObject {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; image: string }[] };
}

describe('the admission policy on the bridge’s pod patches', () => {
  let admin: KubeClient;
  let bridge: KubeClient;
  let namespace: string;
  let release: string;
  let manifest: string;
  const podPath = (name: string): string => `/api/v1/namespaces/${namespace}/pods/${name}`;
  const pod = (name: string, component: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': component },
    },
    spec: { containers: [{ name: 'main', image: 'example.test/app:1' }] },
  });
  const rejection = async (patch: () => Promise<unknown>): Promise<string> => {
    try {
      await patch();
    } catch (error) {
      return (error as Error).message;
    }
    return 'allowed';
  };

  beforeAll(async () => {
    admin = new KubeClient(fromKubeconfig(env.kube.kubeconfig));
    const kc = loadKubeConfig(env.kube.kubeconfig);
    namespace = await createNamespace(kc, 'pod-label');
    release = `plp-${randomBytes(3).toString('hex')}`;
    manifest = await applyChartTemplates(env, {
      release,
      namespace,
      templates: ['bridge/serviceaccount.yaml', 'bridge/rbac.yaml', 'bridge/pod-label-policy.yaml'],
    });
    const kubeconfig = await serviceAccountKubeconfig(env, namespace, `${release}-shelfpulse-bridge`);
    bridge = new KubeClient(fromKubeconfig(kubeconfig));
    for (const [name, component] of [
      ['bridge-0', 'bridge'],
      ['operator-0', 'operator'],
    ] as const)
      await admin.create(`/api/v1/namespaces/${namespace}/pods`, pod(name, component));
    // A policy takes effect shortly after it is created: wait until it denies.
    await eventually('the policy in effect', async () =>
      (await rejection(() =>
        bridge.mergePatch(podPath('operator-0'), { metadata: { labels: { x: 'y' } } }),
      )) !== 'allowed'
        ? true
        : undefined,
    );
  });

  afterAll(async () => {
    if (manifest)
      await kubectl(env.kube.kubeconfig, 'delete', '--ignore-not-found', '-f', manifest).catch(() => '');
  });

  it('lets the Lease holder set and remove the label on its own pod', async () => {
    const label = new ActivePodLabel(bridge, namespace, 'bridge-0', silent);
    await label.set(true);
    const labelled = await admin.get<Pod>(podPath('bridge-0'));
    expect(labelled.metadata.labels?.[activeLabel]).toBe('true');
    // Recorded under the bridge's own field manager, not the operator's.
    const entry = managedFields(labelled).find((e) => e.manager === fieldManager);
    expect(entry?.fieldsV1).toMatchObject({ 'f:metadata': { 'f:labels': { [`f:${activeLabel}`]: {} } } });
    await label.set(false);
    expect((await admin.get<Pod>(podPath('bridge-0'))).metadata.labels).not.toHaveProperty(activeLabel);
  });

  it('denies every other change the bridge could make to a pod', async () => {
    const denied = {
      'another component’s pod': await rejection(() =>
        bridge.mergePatch(podPath('operator-0'), { metadata: { labels: { [activeLabel]: 'true' } } }),
      ),
      // The one field of a running pod's spec Kubernetes lets change: the image.
      'a container image': await rejection(() =>
        bridge.jsonPatch(podPath('bridge-0'), [
          { op: 'replace', path: '/spec/containers/0/image', value: 'attacker.test/app:1' },
        ]),
      ),
      'another label': await rejection(() =>
        bridge.mergePatch(podPath('bridge-0'), {
          metadata: { labels: { 'app.kubernetes.io/component': 'x' } },
        }),
      ),
      'an annotation': await rejection(() =>
        bridge.mergePatch(podPath('bridge-0'), { metadata: { annotations: { note: 'x' } } }),
      ),
    };
    for (const [what, answer] of Object.entries(denied)) {
      expect(answer, what).toMatch(/bridge may change only/);
    }
    // Nothing changed.
    const after = await admin.get<Pod>(podPath('bridge-0'));
    expect(after.spec.containers[0]!.image).toBe('example.test/app:1');
    expect(after.metadata.annotations ?? {}).not.toHaveProperty('note');
  });
});
