// Installs (server-side applies) the CRDs and waits until they are served.
// Used by tests and the benchmark; in a cluster the Helm chart installs them.
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { crds } from './definitions.ts';

export async function installCrds(client: KubeClient, timeoutMs = 30_000): Promise<void> {
  for (const crd of crds()) {
    await client.apply(
      resourcePath(resources.crds, undefined, crd.metadata!.name!),
      crd as unknown as KubeObject,
      'shelfpulse-crds',
    );
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds()) {
    for (;;) {
      const current = await client.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
        resourcePath(resources.crds, undefined, crd.metadata!.name!),
      );
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata!.name} was not established in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
