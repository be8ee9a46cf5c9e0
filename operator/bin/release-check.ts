// `helm test`'s check of a release (the chart's test Pod runs it in the
// operator image): exit 0 when the operator and the bridge are ready and the
// MetricSink is writable, 1 with one line per failed check otherwise.
import { parseArgs } from 'node:util';
import { exitOnHelpOrVersion } from '@shelfpulse/core/cli/help-and-version';
import { checkRelease } from '../src/cli/release-check.ts';
import { KubeClient } from '@shelfpulse/core/kube/client';
import { loadConnection } from '@shelfpulse/core/kube/connection';

const usage = `Usage: release-check [options]

Checks a ShelfPulse release as \`helm test\` does: the workloads have ready
replicas and the operator found the MetricSink reachable and writable.

Options:
  --namespace NS        the release's namespace (default: RELEASE_NAMESPACE)
  --deployment NAME     a Deployment that must have ready replicas (repeatable)
  --statefulset NAME    a StatefulSet that must have ready replicas (repeatable)
  --sink NAME           a MetricSink that must be Ready and writable
  --timeout SECONDS     how long to retry the checks (default 60)
  -h, --help            print this text and exit
  --version             print the name and version and exit

The Kubernetes API is reached with KUBECONFIG or the Pod's ServiceAccount.
`;

exitOnHelpOrVersion({
  name: 'release-check',
  usage,
  packageJson: new URL('../package.json', import.meta.url),
});

let options;
try {
  const { values } = parseArgs({
    options: {
      namespace: { type: 'string', default: process.env['RELEASE_NAMESPACE'] },
      deployment: { type: 'string', multiple: true, default: [] },
      statefulset: { type: 'string', multiple: true, default: [] },
      sink: { type: 'string' },
      timeout: { type: 'string', default: '60' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.namespace) throw new Error('--namespace (or RELEASE_NAMESPACE) is required');
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout < 0)
    throw new Error(`--timeout ${values.timeout}: give seconds ≥ 0`);
  options = {
    namespace: values.namespace,
    deployments: values.deployment,
    statefulSets: values.statefulset,
    sink: values.sink,
    timeoutMs: timeout * 1000,
  };
} catch (error) {
  process.stderr.write(`release-check: ${(error as Error).message}\n\nRun with --help for usage.\n`);
  process.exit(2);
}
const results = await checkRelease({ client: new KubeClient(loadConnection()), ...options });
for (const [ok, what] of results) process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
process.exit(results.every(([ok]) => ok) ? 0 : 1);
