// Some of the chart's templates (its RBAC, its admission policies), rendered by
// the real helm and applied with kubectl: what a test needs to run a process
// under exactly the permissions the chart grants, without installing a release.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestEnvInfo } from './env.ts';
import { Helm } from './helm.ts';
import { kubectl } from './test-helpers.ts';

export const chartDir = fileURLToPath(new URL('../../charts/shelfpulse', import.meta.url));

export interface ChartTemplates {
  release: string;
  namespace: string;
  /** Paths below the chart's templates/, e.g. `bridge/rbac.yaml`. */
  templates: string[];
  /** `--set` arguments, e.g. `operator.managedNamespaces={shop}`. */
  set?: string[];
}

/** Renders and applies the templates; returns the manifest's path (to delete it again). */
export async function applyChartTemplates(env: TestEnvInfo, chart: ChartTemplates): Promise<string> {
  const { stdout } = await new Helm(env.workDir).run(
    'template',
    chart.release,
    chartDir,
    '--namespace',
    chart.namespace,
    ...(chart.set ?? []).flatMap((value) => ['--set', value]),
    ...chart.templates.flatMap((template) => ['--show-only', `templates/${template}`]),
  );
  const manifest = join(env.workDir, `${chart.release}.yaml`);
  writeFileSync(manifest, stdout);
  await kubectl(env.kube.kubeconfig, 'apply', '-f', manifest);
  return manifest;
}
