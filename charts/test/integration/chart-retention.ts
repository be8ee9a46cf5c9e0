// The InfluxDB retention statements exactly as the chart ships them: rendered
// with the real helm, taken from the ConfigMap the InfluxDB StatefulSet mounts
// at /docker-entrypoint-initdb.d (where the image runs *.iql on its first start).
import type { Helm } from '../../../testenv/src/index.ts';
import { render, type K8sObject } from './chart.ts';

export interface ChartRetention {
  database: string;
  /** The InfluxDB container's environment as rendered: plain values, and Secret keys for secretKeyRefs. */
  env: { name: string; value?: string; secretKey?: string }[];
  /** The file's text, as the init script runs it (one batch). */
  text: string;
  /** One InfluxQL statement per line, as the image's init script runs them. */
  statements: string[];
  /** The file name in the ConfigMap. */
  file: string;
}

export async function chartRetention(helm: Helm, ...args: string[]): Promise<ChartRetention> {
  const objects = await render(helm, 'retention', 'shop', ...args);
  const pod = objects.find((o) => o.kind === 'StatefulSet')!.spec.template.spec;
  const container = pod.containers[0];
  const database = container.env.find((e: { name: string }) => e.name === 'INFLUXDB_DB').value as string;
  const mount = container.volumeMounts.find(
    (m: { mountPath: string }) => m.mountPath === '/docker-entrypoint-initdb.d',
  );
  const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
  const configMap = objects.find(
    (o: K8sObject) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name,
  )!;
  const [file, text] = Object.entries(configMap.data!)[0]!;
  const env = (
    container.env as { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[]
  ).map((e) => ({ name: e.name, value: e.value, secretKey: e.valueFrom?.secretKeyRef?.key }));
  return { database, env, file, text, statements: text.split('\n').filter((line) => line.trim() !== '') };
}
