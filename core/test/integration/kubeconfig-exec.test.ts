// Out of the cluster, kubeconfigs from EKS, GKE, AKS or OIDC set-ups carry an
// exec credential plugin rather than a token. The operator's client runs the
// plugin (through client-node's KubeConfig, loaded only for such a file) and
// talks to the real API server with the token the plugin prints.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { fromKubeconfig } from '../../src/kube/connection.ts';

const env = inject('testenv');

describe('a kubeconfig with an exec credential plugin', () => {
  it('gets its token from the plugin and lists namespaces', async () => {
    const dir = env.workDir;
    const ran = join(dir, `exec-plugin-ran-${process.pid}`);
    // The plugin: prints an ExecCredential with the admin token and leaves a mark that it ran.
    const plugin = join(dir, `exec-plugin-${process.pid}.mjs`);
    writeFileSync(
      plugin,
      `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(ran)}, 'yes');
console.log(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  status: { token: ${JSON.stringify(env.kube.adminToken)} },
}));
`,
    );
    const path = join(dir, `exec-${process.pid}.kubeconfig`);
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: env.kube.server, 'certificate-authority': env.kube.caFile } },
        ],
        users: [
          {
            name: 'u',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: process.execPath,
                args: [plugin],
                interactiveMode: 'Never',
              },
            },
          },
        ],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    expect(existsSync(ran)).toBe(false);
    const client = new KubeClient(fromKubeconfig(path));
    const namespaces = await client.list<KubeObject>('/api/v1/namespaces');
    expect(namespaces.items?.map((n) => n.metadata?.name)).toContain('kube-system');
    expect(readFileSync(ran, 'utf8')).toBe('yes');
  });
});
