// Credentials under every install flow. `helm install`/`upgrade` keep generated
// values through `lookup` (chart-install.test.ts); `helm template` cannot look
// anything up, so for those flows (Argo CD, `helm template | kubectl apply`)
// requireExistingSecrets=true makes the chart generate nothing and insist on
// every existingSecret: renders are then identical, and every credential a pod
// reads comes from the Secrets the user made.
import { describe, expect, inject, it } from 'vitest';
import { Helm } from '../../../testenv/src/index.ts';
import { chartDir, render, type K8sObject } from './chart.ts';

const env = inject('testenv');
const helm = new Helm(env.workDir);
const gitops = ['--values', `${chartDir}/ci/gitops.yaml`];
const userSecrets = [
  'shop-influxdb',
  'shop-grafana-admin',
  'shop-grafana-secret-key',
  'shop-bridge-webhook',
  'shop-device-cloud',
];

/** Every Secret name a pod reads: through its environment (secretKeyRef) or its volumes (secret, projected). */
function secretsRead(objects: K8sObject[]): Set<string> {
  const names = new Set<string>();
  for (const o of objects.filter((x) => ['Deployment', 'StatefulSet'].includes(x.kind))) {
    for (const c of o.spec.template.spec.containers)
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
    for (const v of o.spec.template.spec.volumes ?? []) {
      if (v.secret) names.add(v.secret.secretName);
      for (const source of v.projected?.sources ?? []) if (source.secret) names.add(source.secret.name);
    }
  }
  for (const sink of objects.filter((x) => x.kind === 'MetricSink'))
    names.add(sink.spec.credentialsSecretRef.name);
  return names;
}

describe('credentials under helm template flows', () => {
  it('requireExistingSecrets refuses to render until every generated Secret has an existingSecret, naming each', async () => {
    await expect(render(helm, 'gitops', 'shop', '--set', 'requireExistingSecrets=true')).rejects.toThrow(
      'requireExistingSecrets=true needs influxdb.auth.existingSecret, grafana.admin.existingSecret, ' +
        'grafana.secretKey.existingSecret, bridge.existingSecret, deviceCloud.emulator.existingSecret',
    );
    // Only what the release would generate is asked for: no Grafana, a hosted device cloud.
    await expect(
      render(
        helm,
        'gitops',
        'shop',
        '--set',
        'requireExistingSecrets=true',
        '--set',
        'grafana.enabled=false',
        '--values',
        `${chartDir}/ci/external-services.yaml`,
      ),
    ).rejects.toThrow(/requireExistingSecrets=true needs bridge\.existingSecret: /);
  });

  it('then renders identically every time, with no Secret, and every pod reads only the given Secrets', async () => {
    const first = await helm.run('template', 'gitops', chartDir, '--namespace', 'shop', ...gitops);
    const second = await helm.run('template', 'gitops', chartDir, '--namespace', 'shop', ...gitops);
    expect(second.stdout).toBe(first.stdout);
    const objects = await render(helm, 'gitops', 'shop', ...gitops);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect([...secretsRead(objects)].sort()).toEqual([...userSecrets].sort());
  });

  it('without it, generated Secrets are what pods read (kept by lookup under helm install/upgrade)', async () => {
    const objects = await render(helm, 'gen', 'shop');
    const generated = objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name);
    expect([...secretsRead(objects)].sort()).toEqual([...generated].sort());
  });
});
