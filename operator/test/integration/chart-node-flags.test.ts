// The operator as the chart starts it: the chart's node flags on its command
// line (values.yaml operator.nodeFlags: V8's compilers off, to save memory)
// and its NODE_OPTIONS. Under those flags JavaScript runs in the interpreter
// but WebAssembly must still compile: fetch's HTTP parser is WebAssembly, and
// the MetricSink probe reaches InfluxDB through fetch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { spawnOperator, type OperatorProcess } from './operator-process.ts';
import { clusterWithCrds } from './support.ts';

const env = inject('testenv');
const values = parseYaml(
  readFileSync(join(import.meta.dirname, '../../../charts/shelfpulse/values.yaml'), 'utf8'),
) as { operator: { nodeFlags: string[]; nodeOptions: string } };

describe("the operator under the chart's node flags", () => {
  let client: KubeClient;
  let namespace: string;
  let operator: OperatorProcess;

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('node-flags'));
    operator = await spawnOperator(
      {
        KUBECONFIG: env.kube.kubeconfig,
        SHELFPULSE_NAMESPACE: namespace,
        SHELFPULSE_WATCH_NAMESPACE: namespace,
        NODE_OPTIONS: values.operator.nodeOptions,
      },
      [...values.operator.nodeFlags, join(import.meta.dirname, '../../bin/operator.ts')],
    );
  });
  afterAll(async () => {
    await operator?.stop();
  });

  it('turns off the optimizing compilers, and still probes a MetricSink through fetch to Ready', async () => {
    expect(values.operator.nodeFlags).toContain('--no-opt');
    await client.create(resourcePath(resources.metricSinks, namespace), {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: 'influx' },
      spec: { url: env.influx.url, database: `node_flags_${Date.now()}` },
    });
    const sink = await eventually('the MetricSink Ready', async () => {
      const s = await client.get<MetricSink & KubeObject>(
        resourcePath(resources.metricSinks, namespace, 'influx'),
      );
      return s.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? s : undefined;
    });
    expect(sink.status).toMatchObject({ reachable: true, writable: true });
    expect(operator.logs.some((l) => l['level'] === 50 || l['level'] === 60)).toBe(false);
  });
});
