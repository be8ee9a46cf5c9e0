// What `helm test` checks in a release (operator/bin/release-check.ts, run by
// the chart's test Pod): the operator's and the bridge's workloads (Deployments,
// or the bridge's StatefulSet when its spool is persistent) have ready replicas, and the operator found the MetricSink reachable and writable (its
// check ends in an empty write with the sink's credentials, which stores no
// point). Each check is retried until the deadline: right after an install the
// pods may still be starting.
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { findCondition } from '@shelfpulse/core/runtime/conditions';
import { errorMessage } from '@shelfpulse/core/runtime/controller';
import { sleep } from '@shelfpulse/core/runtime/informer';

export interface ReleaseCheckOptions {
  client: KubeClient;
  namespace: string;
  deployments: string[];
  statefulSets?: string[] | undefined;
  sink?: string | undefined;
  timeoutMs: number;
  intervalMs?: number;
}

/** One line per check: [passed, what was seen]. */
export type CheckResult = [boolean, string];

type Workload = KubeObject & { spec?: { replicas?: number }; status?: { readyReplicas?: number } };

async function workloadReady(
  client: KubeClient,
  namespace: string,
  kind: 'Deployment' | 'StatefulSet',
  name: string,
): Promise<CheckResult> {
  const resource = kind === 'Deployment' ? resources.deployments : resources.statefulSets;
  const w = await client.get<Workload>(resourcePath(resource, namespace, name));
  const wanted = w.spec?.replicas ?? 1;
  const ready = w.status?.readyReplicas ?? 0;
  return [ready >= Math.min(1, wanted), `${kind} ${name}: ${ready} of ${wanted} replicas ready`];
}

async function sinkWritable(client: KubeClient, namespace: string, name: string): Promise<CheckResult> {
  const sink = await client.get<MetricSink & KubeObject>(
    resourcePath(resources.metricSinks, namespace, name),
  );
  const ready = findCondition(sink.status?.conditions, 'Ready');
  const ok = ready?.status === 'True' && sink.status?.writable === true;
  const seen = ready
    ? `Ready=${ready.status} (${ready.reason}${ready.message ? `: ${ready.message}` : ''})`
    : 'not checked by the operator yet';
  return [ok, `MetricSink ${name}: ${ok ? 'reachable and writable' : seen}`];
}

export async function checkRelease(options: ReleaseCheckOptions): Promise<CheckResult[]> {
  const checks = [
    ...options.deployments.map(
      (d) => () => workloadReady(options.client, options.namespace, 'Deployment', d),
    ),
    ...(options.statefulSets ?? []).map(
      (s) => () => workloadReady(options.client, options.namespace, 'StatefulSet', s),
    ),
    ...(options.sink ? [() => sinkWritable(options.client, options.namespace, options.sink!)] : []),
  ];
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const results = await Promise.all(
      checks.map((check) => check().catch((error: unknown): CheckResult => [false, errorMessage(error)])),
    );
    if (results.every(([ok]) => ok) || Date.now() >= deadline) return results;
    await sleep(options.intervalMs ?? 2_000);
  }
}
