// Proves helm is the real binary: lint, template and install into the real API server.
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { Helm } from '../../src/index.ts';

const env = inject('testenv');
const chart = fileURLToPath(new URL('../fixtures/smoke-chart', import.meta.url));

describe('helm', () => {
  const helm = new Helm(env.workDir, env.kube.kubeconfig);

  it('lints and templates a chart', async () => {
    const lint = await helm.run('lint', '--strict', chart);
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    const rendered = await helm.run('template', 'demo', chart, '--set', 'greeting=hi');
    expect(rendered.stdout).toContain('name: demo-smoke');
    expect(rendered.stdout).toContain('greeting: "hi"');
  });

  it('installs into the test API server, which reports its real version to the chart', async () => {
    const install = await helm.run(
      'install',
      'smoke',
      chart,
      '--namespace',
      'default',
      '--wait',
      '--timeout',
      '60s',
    );
    expect(install.stdout).toMatch(/STATUS: deployed/);
    const manifest = await helm.run('get', 'manifest', 'smoke', '--namespace', 'default');
    expect(manifest.stdout).toMatch(/kubeVersion: "v1\.3[4-7]\.\d+"/);
    await helm.run('uninstall', 'smoke', '--namespace', 'default', '--wait');
    const list = await helm.run('list', '--namespace', 'default', '--short');
    expect(list.stdout.trim()).toBe('');
  });
});
