// The scale subresource is what a HorizontalPodAutoscaler drives: the real HPA
// controller (in the test environment's kube-controller-manager) reads
// /scale of a ShelfFleet (spec.replicas, status.replicas, status.selector) and
// writes spec.replicas. Without a metrics server it still enforces minReplicas,
// which is enough to prove the wiring.
import { execFileSync } from 'node:child_process';
import { AutoscalingV2Api, CustomObjectsApi } from '@kubernetes/client-node';
import { createNamespace, eventually, loadKubeConfig } from '@shelfpulse/testenv';
import { describe, expect, inject, it } from 'vitest';
import { group, version } from '@shelfpulse/core/api/group';
import { installCrds } from '../../src/crd/install.ts';
import { KubeClient } from '@shelfpulse/core/kube/client';
import { fromKubeconfig } from '@shelfpulse/core/kube/connection';

const env = inject('testenv');

describe('HorizontalPodAutoscaler on a ShelfFleet', () => {
  it('scales the fleet through the scale subresource', async () => {
    const kc = loadKubeConfig(env.kube.kubeconfig);
    await installCrds(new KubeClient(fromKubeconfig(env.kube.kubeconfig)));
    const namespace = await createNamespace(kc, 'hpa');
    const objects = kc.makeApiClient(CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'shelffleets',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'ShelfFleet',
        metadata: { name: 'promo' },
        spec: {
          replicas: 1,
          placements: [{ productId: 'cola-1l', position: 'end-cap' }],
          simulator: {},
        },
      },
    });
    await kc.makeApiClient(AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({
      namespace,
      body: {
        metadata: { name: 'promo' },
        spec: {
          scaleTargetRef: { apiVersion: `${group}/${version}`, kind: 'ShelfFleet', name: 'promo' },
          minReplicas: 3,
          maxReplicas: 5,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
            },
          ],
        },
      },
    });
    const replicas = await eventually(
      'the HPA raising spec.replicas to minReplicas',
      async () => {
        const out = execFileSync(
          'kubectl',
          [
            '--kubeconfig',
            env.kube.kubeconfig,
            '-n',
            namespace,
            'get',
            'shelffleet/promo',
            '-o',
            'jsonpath={.spec.replicas}',
          ],
          { encoding: 'utf8' },
        );
        return out === '3' ? 3 : undefined;
      },
      60_000,
    );
    expect(replicas).toBe(3);
  });
});
