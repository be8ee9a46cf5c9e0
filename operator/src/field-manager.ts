// The operator's one way of writing an object: server-side apply under its own
// field manager, forced. It then owns exactly the fields it sends (a workload's
// spec, a status it computes) and leaves the others alone, such as the
// bridge's counters in a MetricSink's status.
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';

export const fieldManager = 'shelfpulse-operator';

export function apply<T extends KubeObject>(
  client: KubeClient,
  path: string,
  object: KubeObject,
): Promise<T> {
  return client.apply<T>(path, object, fieldManager);
}
