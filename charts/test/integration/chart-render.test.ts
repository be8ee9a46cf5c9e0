// The chart renders valid objects for the default values and for every file in
// charts/shelfpulse/ci/: helm lint --strict, then a server-side dry run of
// every object against the real API server (CRDs installed first) in a
// namespace that enforces the restricted Pod Security Standard.
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig as loadBridgeConfig } from '../../../bridge/src/config.ts';
import { configFromEnv as operatorConfigFromEnv } from '../../../operator/src/config.ts';
import { Helm } from '../../../testenv/src/index.ts';
import { chartDir, ciValues, Kubectl, render, unique, type K8sObject } from './chart.ts';

const env = inject('testenv');
const namespace = unique('chart-render');
const helm = new Helm(env.workDir, env.kube.kubeconfig);
const kubectl = new Kubectl(env.kube.kubeconfig);

/** Default values and every ci file, as `helm template` arguments. */
const variants: [string, string[]][] = [
  ['default values', []],
  ...ciValues.map((file): [string, string[]] => [basename(file), ['--values', file]]),
];

const workloadKinds = ['Deployment', 'StatefulSet'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pod specs are rendered JSON
function podSpecs(objects: K8sObject[]): [string, any][] {
  return objects
    .filter((o) => workloadKinds.includes(o.kind))
    .map((o) => [`${o.kind}/${o.metadata.name}`, o.spec.template.spec]);
}

/**
 * The Pods the workloads would create, so that the namespace's enforced
 * restricted Pod Security Standard judges them in the dry run (for workloads
 * themselves the API server only warns). A StatefulSet's claim template
 * becomes the claim its first Pod would get.
 */
function podsOf(objects: K8sObject[]): K8sObject[] {
  return objects
    .filter((o) => workloadKinds.includes(o.kind))
    .map((o) => {
      const spec = structuredClone(o.spec.template.spec);
      for (const claim of o.spec.volumeClaimTemplates ?? [])
        spec.volumes = [
          ...(spec.volumes ?? []),
          {
            name: claim.metadata.name,
            persistentVolumeClaim: { claimName: `${claim.metadata.name}-${o.metadata.name}-0` },
          },
        ];
      // The chart's own ServiceAccounts exist only after a real install.
      spec.serviceAccountName = 'default';
      spec.automountServiceAccountToken = false;
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${o.metadata.name}-pod-check`.slice(0, 63),
          labels: o.spec.template.metadata.labels,
        },
        spec,
      };
    });
}

/** The Gateway API CRDs are not part of the test API server: HTTPRoutes are checked offline below. */
const servedByTestApi = (o: K8sObject) => !o.apiVersion.startsWith('gateway.networking.k8s.io/');

/** The chart's own Pods (the `helm test` hook): their ServiceAccount, too, exists only after a real install. */
const withExistingServiceAccount = (o: K8sObject): K8sObject =>
  o.kind === 'Pod' ? { ...o, spec: { ...o.spec, serviceAccountName: 'default' } } : o;

/** The bridge's credentials volume and where its container mounts it. */
function bridgeCredentialsMount(objects: K8sObject[], name: string) {
  const pod = objects.find((o) => workloadKinds.includes(o.kind) && o.metadata.name === name)!.spec.template
    .spec;
  const volume = pod.volumes.find((v: { name: string }) => v.name === 'credentials');
  const mount = pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'credentials');
  const sources = (
    volume.projected.sources as { secret: { name: string; items: { key: string; path: string }[] } }[]
  ).map((s) => s.secret);
  return {
    path: mount.mountPath as string,
    readOnly: mount.readOnly as boolean | undefined,
    subPath: mount.subPath as string | undefined,
    sources,
    files: sources.flatMap((s) => s.items.map((i) => i.path)),
  };
}

describe('chart rendering', () => {
  beforeAll(async () => {
    await kubectl.installCrds();
    await kubectl.restrictedNamespace(namespace);
  });

  it('passes helm lint --strict with the default values and every ci file', async () => {
    for (const [name, args] of variants) {
      const lint = await helm.run('lint', '--strict', chartDir, ...args);
      expect(lint.stdout, name).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it.each(variants)(
    '%s: every object, and every Pod its workloads would create, passes a server-side dry run',
    async (_, args) => {
      const objects = await render(helm, 'dry', namespace, ...args);
      const pods = podsOf(objects).map((p) => ({ ...p, metadata: { ...p.metadata, namespace } }));
      const served = [...objects.filter(servedByTestApi).map(withExistingServiceAccount), ...pods];
      // A namespaced install (operator.watchNamespace) puts the operator's Role in the watched namespace.
      const others = new Set(served.map((o) => o.metadata.namespace).filter((n) => n && n !== namespace));
      for (const other of others) await kubectl.ensureNamespace(other!);
      const { stdout, stderr } = await kubectl.run(
        ['apply', '--dry-run=server', '-f', '-'],
        served.map((o) => JSON.stringify(o)).join('\n'),
      );
      expect(
        stdout
          .trim()
          .split('\n')
          .filter((line) => line.endsWith('(server dry run)')),
      ).toHaveLength(served.length);
      expect(stderr).not.toMatch(/PodSecurity|Warning/);
    },
  );

  it.each(variants)(
    '%s: app.kubernetes.io labels, restricted security contexts, resources',
    async (_, args) => {
      const objects = await render(helm, 'labels', namespace, ...args);
      for (const o of objects) {
        expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
          'app.kubernetes.io/name': 'shelfpulse',
          'app.kubernetes.io/instance': 'labels',
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/part-of': 'shelfpulse',
          'app.kubernetes.io/component': expect.any(String),
        });
      }
      for (const [name, pod] of podSpecs(objects)) {
        expect(pod.securityContext, name).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        for (const container of pod.containers) {
          expect(container.securityContext, name).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect(container.resources?.requests?.memory, name).toBeDefined();
          expect(container.resources?.limits?.memory, name).toBeDefined();
          // A read-only root filesystem needs somewhere to write.
          expect(
            container.volumeMounts.map((m: { mountPath: string }) => m.mountPath),
            name,
          ).toContain('/tmp');
        }
      }
    },
  );

  it.each(variants)(
    '%s: no PodDisruptionBudget says minAvailable 1 for a single replica',
    async (_, args) => {
      const objects = await render(helm, 'pdb', namespace, ...args);
      for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        const selector = pdb.spec.selector.matchLabels as Record<string, string>;
        const workload = objects.find(
          (o) =>
            workloadKinds.includes(o.kind) &&
            Object.entries(selector).every(([k, v]) => o.spec.template.metadata.labels[k] === v),
        );
        expect(workload, pdb.metadata.name).toBeDefined();
        if ((workload!.spec.replicas ?? 1) <= 1)
          expect(pdb.spec, pdb.metadata.name).not.toHaveProperty('minAvailable');
        else expect(pdb.spec.minAvailable, pdb.metadata.name).toBeLessThan(workload!.spec.replicas);
      }
    },
  );

  it.each(variants)(
    "%s: the operator's and the bridge's own config loaders accept what the chart gives them",
    async (_, args) => {
      const objects = await render(helm, 'cfg', namespace, ...args);
      const container = (name: string) =>
        objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `cfg-shelfpulse-${name}`)!.spec
          .template.spec.containers[0];
      const configMap = (name: string) =>
        objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `cfg-shelfpulse-${name}`)!.data!;
      // What the kubelet would put into the environment; Secret values stand in as 32 characters.
      const environment = (c: {
        env?: { name: string; value?: string; valueFrom?: object }[];
        envFrom?: { configMapRef: { name: string } }[];
      }) => {
        const result: Record<string, string> = {};
        for (const from of c.envFrom ?? [])
          Object.assign(result, configMap(from.configMapRef.name.replace('cfg-shelfpulse-', '')));
        for (const e of c.env ?? []) result[e.name] = e.value ?? 's'.repeat(32);
        return result;
      };

      const operator = operatorConfigFromEnv(environment(container('operator')));
      expect(operator).toMatchObject({ listenHost: '0.0.0.0', leaderElection: true, namespace });
      expect(container('operator').ports[0].containerPort).toBe(operator.listenPort);

      const bridge = container('bridge');
      const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
      writeFileSync(join(dir, 'bridge.yaml'), configMap('bridge')['bridge.yaml']!);
      // The credentials volume as the kubelet fills it; Secret values stand in as 32 characters.
      const mount = bridgeCredentialsMount(objects, 'cfg-shelfpulse-bridge');
      for (const path of mount.files) writeFileSync(join(dir, path), 's'.repeat(32));
      const local = (value: string): string =>
        value.replace('/etc/shelfpulse-bridge', dir).replace(mount.path, dir);
      const argv = (bridge.args as string[]).map(local);
      const bridgeEnv = Object.fromEntries(
        Object.entries(environment(bridge)).map(([name, value]) => [name, local(value)]),
      );
      const config = loadBridgeConfig(argv, bridgeEnv);
      expect(config.mode).toBe('webhook');
      expect(config.listen).toEqual({ host: '0.0.0.0', port: bridge.ports[0].containerPort });
      expect(config.sinks[0]).toMatchObject({
        usernameFile: join(dir, 'sink-username'),
        passwordFile: join(dir, 'sink-password'),
      });
      expect(config.cloud?.apiKeyFile).toBe(join(dir, 'cloud-api-key'));
      expect(config.webhook.secretFile).toBe(join(dir, 'webhook-secret'));
    },
  );

  it.each(variants)(
    '%s: the bridge reads its credentials from a read-only Secret volume, none from its environment',
    async (_, args) => {
      const objects = await render(helm, 'cred', namespace, ...args);
      const workload = objects.find(
        (o) => workloadKinds.includes(o.kind) && o.metadata.name === 'cred-shelfpulse-bridge',
      )!;
      const pod = workload.spec.template.spec;
      const mount = bridgeCredentialsMount(objects, 'cred-shelfpulse-bridge');
      expect(mount.readOnly).toBe(true);
      expect(mount.subPath).toBeUndefined();
      // The Secrets it comes from: the webhook secret, the device-cloud key, the InfluxDB writer.
      expect(mount.sources.map((source) => source.items.map((item) => item.key))).toEqual([
        ['webhook-secret'],
        [expect.any(String)],
        ['writer-user', 'writer-password'],
      ]);
      if (args.length === 0)
        expect(mount.sources.map((source) => source.name)).toEqual([
          'cred-shelfpulse-bridge',
          'cred-shelfpulse-device-cloud',
          'cred-shelfpulse-influxdb',
        ]);
      expect(mount.files.sort()).toEqual([
        'cloud-api-key',
        'sink-password',
        'sink-username',
        'webhook-secret',
      ]);
      const container = pod.containers[0];
      const env = (container.env ?? []) as {
        name: string;
        value?: string;
        valueFrom?: { secretKeyRef?: object };
      }[];
      // No credential in the environment: neither as a value nor from a Secret.
      expect(env.filter((e) => e.valueFrom?.secretKeyRef !== undefined)).toEqual([]);
      expect(container.envFrom ?? []).toEqual([]);
      expect(
        env.filter((e) =>
          /^BRIDGE_(WEBHOOK_SECRET|CLOUD_API_KEY|SINK_.*_(USERNAME|PASSWORD|TOKEN))$/.test(e.name),
        ),
      ).toEqual([]);
      for (const e of env.filter((x) => x.name.endsWith('_FILE')))
        expect(e.value, e.name).toMatch(new RegExp(`^${mount.path}/(${mount.files.join('|')})$`));
      // A rotated Secret needs no restart, so no checksum of a Secret rolls the pods.
      expect(Object.keys(workload.spec.template.metadata.annotations ?? {})).toEqual(['checksum/config']);
    },
  );

  it('ships one labelled dashboard ConfigMap per generated dashboard, mounted into Grafana', async () => {
    const objects = await render(helm, 'dash', namespace);
    const files = readdirSync(`${chartDir}/dashboards`).filter((f) => f.endsWith('.json'));
    const configMaps = objects.filter(
      (o) => o.kind === 'ConfigMap' && o.metadata.labels?.['grafana_dashboard'] === '1',
    );
    expect(configMaps).toHaveLength(files.length);
    for (const file of files) {
      const cm = configMaps.find((o) => o.data?.[file] !== undefined);
      expect(cm, file).toBeDefined();
      expect(JSON.parse(cm!.data![file]!)).toEqual(
        JSON.parse(readFileSync(`${chartDir}/dashboards/${file}`, 'utf8')),
      );
      expect(cm!.metadata.annotations?.['grafana_folder']).toBe('ShelfPulse');
    }
    const grafana = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'dash-shelfpulse-grafana',
    )!;
    const projected = grafana.spec.template.spec.volumes.find(
      (v: { name: string }) => v.name === 'dashboards',
    ).projected.sources;
    expect(projected.map((s: { configMap: { name: string } }) => s.configMap.name).sort()).toEqual(
      configMaps.map((cm) => cm.metadata.name).sort(),
    );
  });

  it('provisions the InfluxDB datasource with the fixed uid and credentials only from the Secret', async () => {
    const objects = await render(helm, 'ds', namespace);
    const config = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'ds-shelfpulse-grafana',
    )!;
    const datasources = config.data!['datasources.yaml']!;
    expect(datasources).toMatch(/uid: "shelfpulse-influxdb"/);
    expect(datasources).toMatch(/password: "\$SHELFPULSE_INFLUX_PASSWORD"/);
    expect(datasources).toMatch(/dbName: "shelfpulse"/);
    const env = objects.find((o) => o.metadata.name === 'ds-shelfpulse-grafana' && o.kind === 'Deployment')!
      .spec.template.spec.containers[0].env as {
      name: string;
      valueFrom?: { secretKeyRef: { name: string; key: string } };
    }[];
    expect(env.find((e) => e.name === 'SHELFPULSE_INFLUX_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'ds-shelfpulse-influxdb',
      key: 'reader-password',
    });
    expect(env.find((e) => e.name === 'GF_SECURITY_ADMIN_PASSWORD')?.valueFrom?.secretKeyRef.name).toBe(
      'ds-shelfpulse-grafana',
    );
    const admin = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'ds-shelfpulse-grafana')!;
    const password = Buffer.from(admin.data!['admin-password']!, 'base64').toString();
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('rolls pods when their configuration changes (checksum annotations)', async () => {
    const checksums = async (...args: string[]) =>
      Object.fromEntries(
        (await render(helm, 'sum', namespace, ...args))
          .filter((o) => o.kind === 'Deployment')
          .map((o) => [o.metadata.name, o.spec.template.metadata.annotations?.['checksum/config']]),
      );
    const before = await checksums();
    const after = await checksums(
      '--set',
      'grafana.datasource.uid=other',
      '--set',
      'bridge.webhookUrl=https://hooks.example.com/n',
    );
    expect(after['sum-shelfpulse-grafana']).not.toBe(before['sum-shelfpulse-grafana']);
    expect(after['sum-shelfpulse-bridge']).not.toBe(before['sum-shelfpulse-bridge']);
    expect(after['sum-shelfpulse-operator']).toBe(before['sum-shelfpulse-operator']);
  });

  it('switches the emulator off for an external device cloud and InfluxDB off for an external one', async () => {
    const objects = await render(helm, 'ext', namespace, '--values', `${chartDir}/ci/external-services.yaml`);
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.filter((n) => /device-cloud|influxdb|StatefulSet/.test(n))).toEqual([]);
    const sink = objects.find((o) => o.kind === 'MetricSink')!;
    expect(sink.spec).toMatchObject({
      url: 'https://influx.example.com:8086',
      database: 'retail',
      credentialsSecretRef: { name: 'retail-influx' },
    });
  });

  it('refuses contradictory or mistyped values with an error naming the field', async () => {
    await expect(render(helm, 'bad', namespace, '--set', 'influxdb.enabled=false')).rejects.toThrow(
      /influxdb.enabled=false needs externalInfluxdb.url and externalInfluxdb.existingSecret/,
    );
    await expect(
      render(helm, 'bad', namespace, '--set', 'deviceCloud.external.apiUrl=https://x.example'),
    ).rejects.toThrow(/deviceCloud.external.apiUrl needs deviceCloud.external.existingSecret/);
    await expect(render(helm, 'bad', namespace, '--set', 'grafana.replica=2')).rejects.toThrow(
      /additional properties 'replica'/,
    );
    await expect(
      render(helm, 'bad', namespace, '--set', 'containerSecurityContext.allowPrivilegeEscalation=true'),
    ).rejects.toThrow(/allowPrivilegeEscalation/);
  });

  it('accepts the manifests in examples/ (server-side dry run against the CRDs)', async () => {
    const dir = fileURLToPath(new URL('../../../examples', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['metricsink.yaml', 'placement-experiment.yaml', 'shelffleet.yaml']);
    for (const file of files) {
      const { stdout } = await kubectl.run([
        'apply',
        '--dry-run=server',
        '--namespace',
        namespace,
        '-f',
        `${dir}/${file}`,
      ]);
      expect(stdout, file).toMatch(/created \(server dry run\)/);
    }
  });

  it('renders an HTTPRoute to the Grafana Service (checked offline: no Gateway API CRDs here)', async () => {
    const objects = await render(helm, 'route', namespace, '--values', `${chartDir}/ci/httproute.yaml`);
    const route = objects.find((o) => o.kind === 'HTTPRoute')!;
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata.name === 'route-shelfpulse-grafana',
    )!;
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([
      { name: 'public', namespace: 'gateway-system', sectionName: 'https' },
    ]);
    expect(route.spec.hostnames).toEqual(['shop.example.com']);
    expect(route.spec.rules[0].backendRefs).toEqual([
      { name: service.metadata.name, port: service.spec.ports[0].port },
    ]);
  });
});
