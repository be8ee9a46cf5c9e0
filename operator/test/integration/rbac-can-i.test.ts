// What the chart's ServiceAccounts may do, asked of the real API server with
// `kubectl auth can-i --as` for the verbs that matter to a tenant: reading
// Secrets, writing outside the managed namespaces, creating pods. The answers
// are the table in README.md ("Security model"), so the table cannot drift
// from the chart.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyChartTemplates, createNamespace, kubectl, loadKubeConfig } from '@shelfpulse/testenv';
import { installCrds } from '../../src/crd/install.ts';
import { KubeClient } from '@shelfpulse/core/kube/client';
import { fromKubeconfig } from '@shelfpulse/core/kube/connection';

const env = inject('testenv');
const root = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

/** One question: `kubectl auth can-i <verb> <resource> <where>`; `where` is a namespace role or all. */
interface Question {
  verb: string;
  resource: string;
  where: 'kube-system' | 'release' | 'managed' | 'all';
  subresource?: string;
}

const questions: Question[] = [
  { verb: 'get', resource: 'secrets', where: 'kube-system' },
  { verb: 'get', resource: 'secrets', where: 'release' },
  { verb: 'get', resource: 'secrets', where: 'managed' },
  { verb: 'list', resource: 'secrets', where: 'managed' },
  { verb: 'list', resource: 'secrets', where: 'all' },
  { verb: 'watch', resource: 'secrets', where: 'all' },
  { verb: 'create', resource: 'statefulsets.apps', where: 'managed' },
  { verb: 'patch', resource: 'statefulsets.apps', where: 'kube-system' },
  { verb: 'delete', resource: 'configmaps', where: 'kube-system' },
  { verb: 'create', resource: 'events', where: 'kube-system' },
  { verb: 'create', resource: 'pods', where: 'managed' },
  { verb: 'create', resource: 'pods/exec', where: 'managed' },
  { verb: 'patch', resource: 'pods', where: 'release' },
  { verb: 'list', resource: 'configmaps', where: 'all' },
  { verb: 'list', resource: 'shelffleets.shelfpulse.io', where: 'all' },
  { verb: 'patch', resource: 'shelffleets.shelfpulse.io', where: 'all' },
  { verb: 'patch', resource: 'metricsinks.shelfpulse.io', where: 'all', subresource: 'status' },
  { verb: 'delete', resource: 'shelffleets.shelfpulse.io', where: 'all' },
  { verb: 'update', resource: 'leases.coordination.k8s.io', where: 'kube-system' },
  { verb: 'create', resource: 'clusterrolebindings.rbac.authorization.k8s.io', where: 'all' },
  { verb: 'impersonate', resource: 'serviceaccounts', where: 'all' },
];

const whereText: Record<Question['where'], string> = {
  'kube-system': 'in kube-system',
  release: 'in the release namespace',
  managed: 'in a managed namespace',
  all: 'in all namespaces',
};

describe("the chart's ServiceAccounts, asked with kubectl auth can-i", () => {
  let release: string;
  let releaseNamespace: string;
  let managedNamespace: string;

  beforeAll(async () => {
    const kc = loadKubeConfig(env.kube.kubeconfig);
    // can-i resolves resource names through discovery: the CRDs must exist.
    await installCrds(new KubeClient(fromKubeconfig(env.kube.kubeconfig)));
    releaseNamespace = await createNamespace(kc, 'cani-release');
    managedNamespace = await createNamespace(kc, 'cani-shop');
    release = `cani-${randomBytes(3).toString('hex')}`;
    await applyChartTemplates(env, {
      release,
      namespace: releaseNamespace,
      set: [`operator.managedNamespaces={${managedNamespace}}`],
      templates: [
        'operator/serviceaccount.yaml',
        'operator-rbac.yaml',
        'bridge/serviceaccount.yaml',
        'bridge/rbac.yaml',
      ],
    });
  });
  afterAll(async () => {
    if (!release) return;
    const names = ['operator', 'operator-managed', 'bridge', 'bridge-managed'].map(
      (n) => `${release}-shelfpulse-${n}`,
    );
    await kubectl(
      env.kube.kubeconfig,
      'delete',
      'clusterrole,clusterrolebinding',
      '--ignore-not-found',
      ...names,
    ).catch(() => '');
  });

  const ask = async (serviceAccount: string, q: Question): Promise<'yes' | 'no'> => {
    const namespace = { 'kube-system': 'kube-system', release: releaseNamespace, managed: managedNamespace };
    const args = [
      '--kubeconfig',
      env.kube.kubeconfig,
      'auth',
      'can-i',
      q.verb,
      q.resource,
      ...(q.subresource ? [`--subresource=${q.subresource}`] : []),
      ...(q.where === 'all' ? ['--all-namespaces'] : ['-n', namespace[q.where]]),
      `--as=system:serviceaccount:${releaseNamespace}:${release}-shelfpulse-${serviceAccount}`,
    ];
    // can-i answers "no" with exit code 1.
    const out = await run('kubectl', args).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    const answer = out.trim();
    if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl ${args.join(' ')}: ${out}`);
    return answer;
  };

  it('gives no cluster-wide Secret access, no writes outside the managed namespaces, and matches the README table', async () => {
    const rows: string[] = [];
    const answers: Record<string, { operator: string; bridge: string }> = {};
    for (const q of questions) {
      const [operator, bridge] = [await ask('operator', q), await ask('bridge', q)];
      const request = `${q.verb} ${q.resource}${q.subresource ? `/${q.subresource}` : ''} ${whereText[q.where]}`;
      answers[request] = { operator, bridge };
      rows.push(`| \`${request}\` | ${operator} | ${bridge} |`);
    }
    const table = ['| request | operator | bridge |', '|---|---|---|', ...rows].join('\n');
    console.log(table);

    const both = (request: string) => answers[request];
    for (const secretRead of [
      'get secrets in kube-system',
      'get secrets in the release namespace',
      'list secrets in all namespaces',
      'watch secrets in all namespaces',
      'list secrets in a managed namespace',
    ])
      expect(both(secretRead), secretRead).toEqual({ operator: 'no', bridge: 'no' });
    expect(both('get secrets in a managed namespace')).toEqual({ operator: 'yes', bridge: 'yes' });
    expect(both('create statefulsets.apps in a managed namespace')).toEqual({
      operator: 'yes',
      bridge: 'no',
    });
    for (const write of [
      'patch statefulsets.apps in kube-system',
      'delete configmaps in kube-system',
      'create events in kube-system',
      'update leases.coordination.k8s.io in kube-system',
      'create pods in a managed namespace',
      'create pods/exec in a managed namespace',
      'delete shelffleets.shelfpulse.io in all namespaces',
      'create clusterrolebindings.rbac.authorization.k8s.io in all namespaces',
      'impersonate serviceaccounts in all namespaces',
    ])
      expect(both(write), write).toEqual({ operator: 'no', bridge: 'no' });

    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const documented = /<!-- can-i -->\n([\s\S]*?)\n<!-- \/can-i -->/.exec(readme)?.[1];
    expect(documented, 'README.md: the table between <!-- can-i --> and <!-- /can-i -->').toBe(table);
  });
});
