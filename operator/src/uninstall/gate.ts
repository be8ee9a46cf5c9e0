// `helm uninstall` deletes the operator's RBAC and ServiceAccount before the
// release's ShelfFleets (Helm deletes custom resources last), so the operator
// could no longer remove their finalizers. The chart therefore runs a
// pre-delete hook: a ConfigMap (the gate) created with this finalizer, which
// Helm deletes and waits for before it deletes anything else. While the gate
// waits, the operator, still complete, deletes the release's fleets and lets
// their finalizers run; once none is left it removes the gate's finalizer and
// the uninstall goes on.
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { OperatorContext } from '../context.ts';
import { isNotFound, type KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import type { ReconcileResult } from '@shelfpulse/core/runtime/controller';

export const gateFinalizer = 'shelfpulse.io/release-fleets-deleted';
const instanceLabel = 'app.kubernetes.io/instance';
const managedByLabel = 'app.kubernetes.io/managed-by';

/** The fleets the release's chart created: same namespace and instance, managed by Helm. */
export function releaseFleets(gate: KubeObject, fleets: readonly ShelfFleet[]): ShelfFleet[] {
  const release = gate.metadata?.labels?.[instanceLabel];
  if (!release) return [];
  return fleets.filter(
    (f) =>
      f.metadata.namespace === gate.metadata?.namespace &&
      f.metadata.labels?.[instanceLabel] === release &&
      f.metadata.labels?.[managedByLabel] === 'Helm',
  );
}

export async function reconcileUninstallGate(
  ctx: OperatorContext,
  gates: { get(key: string): KubeObject | undefined },
  key: string,
): Promise<ReconcileResult> {
  const gate = gates.get(key);
  if (!gate?.metadata?.finalizers?.includes(gateFinalizer)) return {};
  const left = releaseFleets(gate, ctx.informers.fleets.list());
  for (const fleet of left) {
    if (fleet.metadata.deletionTimestamp) continue;
    await ctx.client
      .delete(resourcePath(resources.shelfFleets, fleet.metadata.namespace, fleet.metadata.name))
      .catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    ctx.log.info({ fleet: `${fleet.metadata.namespace}/${fleet.metadata.name}` }, 'uninstall: fleet deleted');
  }
  // Their finalizers run in the ShelfFleet controller; a blocked one shows CleanupBlocked on the fleet.
  if (left.length > 0) return { requeueAfterMs: 1_000 };
  const finalizers = gate.metadata.finalizers;
  await ctx.client.jsonPatch(
    resourcePath(resources.configMaps, gate.metadata.namespace, gate.metadata.name),
    [
      { op: 'test', path: '/metadata/finalizers', value: finalizers },
      { op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== gateFinalizer) },
    ],
  );
  ctx.log.info({ gate: key }, "uninstall: the release's fleets are gone; the uninstall goes on");
  return {};
}
