// Helpers for the chart tests: render with the real helm, talk to the test
// API server with kubectl (admin kubeconfig), parse the YAML documents.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { Helm } from '../../../testenv/src/index.ts';

const run = promisify(execFile);

export const chartDir = fileURLToPath(new URL('../../shelfpulse', import.meta.url));
export const crdsDir = fileURLToPath(new URL('../../shelfpulse/crds', import.meta.url));
export const ciValues = readdirSync(`${chartDir}/ci`)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => `${chartDir}/ci/${f}`);

// Rendered manifests are arbitrary JSON; the tests assert their shape field by field.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export function parseDocs(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export async function render(
  helm: Helm,
  release: string,
  namespace: string,
  ...args: string[]
): Promise<K8sObject[]> {
  const { stdout } = await helm.run('template', release, chartDir, '--namespace', namespace, ...args);
  return parseDocs(stdout);
}

export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

export class Kubectl {
  private readonly kubeconfig: string;

  constructor(kubeconfig: string) {
    this.kubeconfig = kubeconfig;
  }

  async run(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
    const child = run('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { maxBuffer: 64 * 1024 * 1024 });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    try {
      return await child;
    } catch (error) {
      const failure = error as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`, {
        cause: error,
      });
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async json<T = any>(args: string[]): Promise<T> {
    return JSON.parse((await this.run([...args, '-o', 'json'])).stdout) as T;
  }

  /** Installs the chart's CRDs (idempotent: other test files may do the same) and waits until they are served. */
  async installCrds(): Promise<void> {
    await this.run(['apply', '--server-side', '--force-conflicts', '-f', crdsDir]);
    await this.run(['wait', '--for=condition=Established', '--timeout=60s', '-f', crdsDir]);
  }

  /** A namespace that enforces the restricted Pod Security Standard and warns about it. */
  /** Creates a namespace unless it exists. */
  async ensureNamespace(name: string): Promise<void> {
    const existing = await this.run(['get', 'namespace', name, '--ignore-not-found', '-o', 'name']);
    if (!existing.stdout.trim()) await this.run(['create', 'namespace', name]);
  }

  async restrictedNamespace(name: string): Promise<void> {
    await this.run(['create', 'namespace', name]);
    await this.run([
      'label',
      'namespace',
      name,
      'pod-security.kubernetes.io/enforce=restricted',
      'pod-security.kubernetes.io/warn=restricted',
    ]);
    // Pods are refused until the controller manager has created the default ServiceAccount.
    for (let i = 0; i < 100; i++) {
      const found = await this.run([
        'get',
        'serviceaccount',
        'default',
        '--namespace',
        name,
        '--ignore-not-found',
        '-o',
        'name',
      ]);
      if (found.stdout.trim()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`namespace ${name} never got its default ServiceAccount`);
  }
}
