// `helm test`: the chart's test hooks (ServiceAccount, Role, RoleBinding and a
// Pod in the operator image) are admitted by the real API server, and the
// Pod's command — operator/bin/release-check.ts with the Pod's arguments, as
// the hook's ServiceAccount — passes on a healthy release and fails, naming
// what is wrong, when the sink is not writable. No kubelet runs here, so the
// command runs as a local process with exactly what the Pod would get.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Helm, loadKubeConfig, mintServiceAccountKubeconfig } from '../../../testenv/src/index.ts';
import { spawnOperator, type OperatorProcess } from '../../../operator/test/integration/operator-process.ts';
import { chartDir, Kubectl, parseDocs, unique, type K8sObject } from './chart.ts';

const env = inject('testenv');
const namespace = unique('chart-test-hook');
const release = 'checked';
const helm = new Helm(env.workDir, env.kube.kubeconfig);
const kubectl = new Kubectl(env.kube.kubeconfig);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the test Pod's container command locally; resolves with its exit code and output. */
function runCheck(pod: K8sObject, kubeconfig: string, extraArgs: string[] = []) {
  const container = pod.spec.containers[0];
  return new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [
        // The image runs the compiled JavaScript of the same file.
        ...(container.command as string[]).slice(1).map((a) => a.replace(/\.js$/, '.ts')),
        ...(container.args as string[]),
        ...extraArgs,
      ],
      { cwd: repo, env: { PATH: process.env['PATH'], KUBECONFIG: kubeconfig, RELEASE_NAMESPACE: namespace } },
      (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout }),
    );
  });
}

describe('helm test', () => {
  let operator: OperatorProcess | undefined;
  let hooks: K8sObject[];
  let kubeconfig: string;

  beforeAll(async () => {
    await kubectl.installCrds();
    await kubectl.restrictedNamespace(namespace);
    await kubectl.run([
      ...['create', 'secret', 'generic', 'influx', '--namespace', namespace],
      ...['--from-literal=writer-user=w', '--from-literal=writer-password=w'],
      ...['--from-literal=reader-user=r', '--from-literal=reader-password=r'],
    ]);
    // A Secret a MetricSink names must opt in to that.
    await kubectl.run([
      'label',
      'secret',
      'influx',
      '--namespace',
      namespace,
      'shelfpulse.io/allow-reference=true',
    ]);
    await helm.run(
      ...['install', release, chartDir, '--namespace', namespace],
      ...['--set', 'influxdb.enabled=false', '--set', `externalInfluxdb.url=${env.influx.url}`],
      ...[
        '--set',
        'externalInfluxdb.existingSecret=influx',
        '--set',
        `externalInfluxdb.database=${namespace}`,
      ],
    );
    const settings = await kubectl.json<{ data: Record<string, string> }>([
      'get',
      'configmap',
      `${release}-shelfpulse-operator`,
      '--namespace',
      namespace,
    ]);
    const admin = loadKubeConfig(env.kube.kubeconfig);
    const access = { server: env.kube.server, caFile: env.kube.caFile };
    operator = await spawnOperator({
      ...settings.data,
      KUBECONFIG: await mintServiceAccountKubeconfig(
        admin,
        access,
        namespace,
        `${release}-shelfpulse-operator`,
        join(env.workDir, `${namespace}-operator.kubeconfig`),
      ),
      SHELFPULSE_POD_NAME: `${release}-operator-0`,
      SHELFPULSE_LISTEN_HOST: '127.0.0.1',
      SHELFPULSE_LISTEN_PORT: '0',
      SHELFPULSE_SINK_CHECK_MS: '2000',
    });

    // The hooks `helm test` would create: the Pod is checked by a server-side dry run, the rest applied.
    const { stdout } = await helm.run('get', 'hooks', release, '--namespace', namespace);
    hooks = parseDocs(stdout).filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
    const manifest = join(env.workDir, `${namespace}-hooks.yaml`);
    const list = { apiVersion: 'v1', kind: 'List', items: hooks.filter((o) => o.kind !== 'Pod') };
    writeFileSync(manifest, JSON.stringify(list));
    await kubectl.run(['apply', '--namespace', namespace, '-f', manifest]);
    kubeconfig = await mintServiceAccountKubeconfig(
      admin,
      access,
      namespace,
      `${release}-shelfpulse-test`,
      join(env.workDir, `${namespace}-test.kubeconfig`),
    );
  });
  afterAll(async () => {
    await operator?.stop();
    await helm.run('uninstall', release, '--namespace', namespace, '--no-hooks').catch(() => undefined);
    await kubectl.run(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
  });

  it('ships a test Pod the API server admits under the restricted Pod Security Standard', async () => {
    expect(hooks.map((o) => o.kind).sort()).toEqual(['Pod', 'Role', 'RoleBinding', 'ServiceAccount']);
    const pod = hooks.find((o) => o.kind === 'Pod')!;
    const file = join(env.workDir, `${namespace}-pod.json`);
    writeFileSync(file, JSON.stringify(pod));
    const dryRun = await kubectl.run(['apply', '--dry-run=server', '--namespace', namespace, '-f', file]);
    expect(dryRun.stdout).toMatch(/pod\/checked-shelfpulse-test (created|configured) \(server dry run\)/);
    expect(dryRun.stderr).not.toMatch(/violate/);
  });

  it('passes on a healthy release: operator and bridge ready, the sink writable', async () => {
    const pod = hooks.find((o) => o.kind === 'Pod')!;
    const result = await runCheck(pod, kubeconfig);
    expect(result.stdout).toMatch(/^ok {3}Deployment checked-shelfpulse-operator: 1 of 1 replicas ready$/m);
    expect(result.stdout).toMatch(/^ok {3}Deployment checked-shelfpulse-bridge: \d of \d replicas ready$/m);
    expect(result.stdout).toMatch(/^ok {3}MetricSink default: reachable and writable$/m);
    expect(result.code).toBe(0);
  });

  it('fails, naming the check, when the sink is not reachable', async () => {
    await kubectl.run([
      ...['patch', 'metricsink', 'default', '--namespace', namespace, '--type=merge'],
      ...['-p', JSON.stringify({ spec: { url: 'http://127.0.0.1:9' } })],
    ]);
    const pod = hooks.find((o) => o.kind === 'Pod')!;
    const result = await runCheck(pod, kubeconfig, ['--timeout=8']);
    expect(result.stdout).toMatch(/^FAIL MetricSink default: Ready=False \(Unreachable/m);
    expect(result.code).toBe(1);
  });
});
