// A finalizer splits a reconcile into two events, as kube-rs's
// `kube::runtime::finalizer` does:
// - `apply`: the object is live. Its finalizer is added first (if missing), so
//   the API server cannot delete it before `cleanup` has run, and `apply`
//   follows in the same pass (kube-rs waits for the next event instead);
// - `cleanup`: the object is being deleted and still carries the finalizer.
//   When `cleanup` resolves the finalizer is removed and the deletion goes on;
//   when it throws the finalizer stays and the controller retries with backoff.
// An object being deleted without this finalizer needs nothing from us.
// Both patches carry a JSON-patch `test`, so a stale cached object fails with a
// conflict (and is retried) instead of dropping someone else's finalizer.
// Once `signal` has aborted (leadership ended) nothing more is written: the
// next leader adds or removes the finalizer.
import type { KubeClient, KubeObject } from '../kube/client.ts';

export type FinalizerEvent<T> = { type: 'apply'; object: T } | { type: 'cleanup'; object: T };

export interface FinalizerOptions {
  client: KubeClient;
  /** The object's path on the API server. */
  path: string;
  /** The finalizer's name, e.g. `shelfpulse.io/device-cloud-subscriptions`. */
  name: string;
  signal?: AbortSignal;
}

/** Runs `reconcile` with the object's event; undefined when there was nothing to do. */
export async function finalizer<T extends KubeObject, R>(
  options: FinalizerOptions,
  object: T,
  reconcile: (event: FinalizerEvent<T>) => Promise<R>,
): Promise<R | undefined> {
  const { client, path, name, signal } = options;
  const finalizers = object.metadata?.finalizers;
  const ours = finalizers?.includes(name) ?? false;
  if (object.metadata?.deletionTimestamp) {
    if (!ours) return undefined;
    const result = await reconcile({ type: 'cleanup', object });
    if (signal?.aborted) return result;
    await client.jsonPatch(path, [
      { op: 'test', path: '/metadata/finalizers', value: finalizers },
      { op: 'replace', path: '/metadata/finalizers', value: finalizers!.filter((f) => f !== name) },
    ]);
    return result;
  }
  if (!ours) {
    if (signal?.aborted) return undefined;
    await client.jsonPatch(path, [
      { op: 'test', path: '/metadata/resourceVersion', value: object.metadata?.resourceVersion },
      finalizers
        ? { op: 'add', path: '/metadata/finalizers/-', value: name }
        : { op: 'add', path: '/metadata/finalizers', value: [name] },
    ]);
  }
  return reconcile({ type: 'apply', object });
}
