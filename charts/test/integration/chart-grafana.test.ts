// Grafana that survives restarts: its database on a PVC (or a shared
// PostgreSQL/MySQL, the only way to run more than one replica), a generated
// secret_key, probes that let a slow first start finish, and dashboards whose
// editability matches what the provisioning provider allows.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { Helm } from '../../../testenv/src/index.ts';
import { chartDir, render, type K8sObject } from './chart.ts';

const env = inject('testenv');
const helm = new Helm(env.workDir);

const grafanaOf = (objects: K8sObject[]) =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-grafana'))!;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered JSON
const envOf = (deployment: K8sObject): Map<string, any> =>
  new Map(deployment.spec.template.spec.containers[0].env.map((e: { name: string }) => [e.name, e]));

describe('Grafana that survives', () => {
  it('keeps its SQLite database on a PVC by default, one pod at a time (Recreate)', async () => {
    const objects = await render(helm, 'g', 'shop');
    const pvc = objects.find(
      (o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'g-shelfpulse-grafana',
    );
    expect(pvc?.spec.resources.requests.storage).toBe('1Gi');
    const grafana = grafanaOf(objects);
    expect(grafana.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = grafana.spec.template.spec;
    const mount = pod.containers[0].volumeMounts.find(
      (m: { mountPath: string }) => m.mountPath === '/var/lib/grafana',
    );
    expect(pod.volumes.find((v: { name: string }) => v.name === mount.name)).toEqual({
      name: mount.name,
      persistentVolumeClaim: { claimName: 'g-shelfpulse-grafana' },
    });

    const ephemeral = grafanaOf(
      await render(helm, 'g', 'shop', '--set', 'grafana.persistence.enabled=false'),
    );
    expect(
      ephemeral.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name).emptyDir,
    ).toBeDefined();
  });

  it('runs more than one replica only with a shared database', async () => {
    await expect(render(helm, 'g', 'shop', '--set', 'grafana.replicas=2')).rejects.toThrow(
      /at '\/grafana\/database\/type': value must be one of 'postgres', 'mysql'/,
    );
    await expect(
      render(helm, 'g', 'shop', '--set', 'grafana.replicas=2', '--set', 'grafana.database.type=postgres'),
    ).rejects.toThrow(
      /grafana.database.type=postgres needs grafana.database.host and grafana.database.existingSecret/,
    );

    const objects = await render(helm, 'g', 'shop', '--values', `${chartDir}/ci/grafana-ha.yaml`);
    const grafana = grafanaOf(objects);
    expect(grafana.spec.replicas).toBe(2);
    expect(grafana.spec.strategy).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    const vars = envOf(grafana);
    expect(vars.get('GF_DATABASE_TYPE').value).toBe('postgres');
    expect(vars.get('GF_DATABASE_HOST').value).toBe('grafana-db.shop.svc:5432');
    expect(vars.get('GF_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'grafana-db',
      key: 'password',
    });
  });

  it('reads its secret_key from a generated Secret, never the public default', async () => {
    const objects = await render(helm, 'g', 'shop');
    const ref = envOf(grafanaOf(objects)).get('GF_SECURITY_SECRET_KEY').valueFrom.secretKeyRef;
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name)!;
    expect(Buffer.from(secret.data![ref.key]!, 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('gives a slow first start 5 minutes, and a liveness probe no tighter than the official Grafana chart', async () => {
    const container = grafanaOf(await render(helm, 'g', 'shop')).spec.template.spec.containers[0];
    const startup = container.startupProbe;
    expect(startup.httpGet.path).toBe('/api/health');
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(300);
    // The official chart: 30 s timeouts, 10 failures (of 10 s periods) before a restart.
    const liveness = container.livenessProbe;
    expect(liveness.timeoutSeconds).toBeGreaterThanOrEqual(30);
    expect(liveness.failureThreshold).toBeGreaterThanOrEqual(10);
    expect((liveness.periodSeconds ?? 10) * liveness.failureThreshold).toBeGreaterThanOrEqual(100);
  });

  it('makes the dashboards editable exactly when the provider lets UI edits be saved', async () => {
    const objects = await render(helm, 'g', 'shop');
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'g-shelfpulse-grafana')!;
    const provider = parse(config.data!['dashboards.yaml']!).providers[0];
    const files = readdirSync(`${chartDir}/dashboards`).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(`${chartDir}/dashboards/${file}`, 'utf8'));
      expect(dashboard.editable, file).toBe(provider.allowUiUpdates);
    }
  });
});
