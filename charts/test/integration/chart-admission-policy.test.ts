// The chart's ValidatingAdmissionPolicy rejects what the ShelfFleet CRD's rules
// cannot see (they may read the name, not the namespace): a simulated fleet
// whose default endpoint-name prefix "<namespace>.<name>." is longer than 48.
// A fleet made before the policy may still change (its finalizer must go).
// The policy is cluster-wide: this test has an API server of its own, so that
// neither it nor the other tests see each other's policies.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Helm, TestEnv } from '../../../testenv/src/index.ts';
import { chartDir, Kubectl, unique } from './chart.ts';

// 47 characters: with any fleet name the default prefix is longer than 48.
const namespace = unique('policy-namespace-with-a-long-name-x').slice(0, 47);
let env: TestEnv;
let kubectl: Kubectl;

const fleet = (name: string, spec: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'shelfpulse.io/v1alpha1',
    kind: 'ShelfFleet',
    metadata: { name, namespace },
    spec: { placements: [{ productId: 'tea', position: 'top' }], simulator: {}, ...spec },
  });
const create = (manifest: string) => kubectl.run(['create', '-f', '-'], manifest);

describe("the chart's admission policy for ShelfFleets", () => {
  beforeAll(async () => {
    env = await TestEnv.start({ influx: false, nodes: false, controllerManager: false });
    kubectl = new Kubectl(env.apiserver!.kubeconfig);
    await kubectl.installCrds();
    await kubectl.run(['create', 'namespace', namespace]);
    // Made before the policy exists.
    await create(fleet('older'));
    const { stdout } = await new Helm(env.workDir).run(
      ...['template', 'policy', chartDir, '--namespace', namespace],
      ...['--show-only', 'templates/operator/admission-policy.yaml'],
    );
    const policyFile = join(env.workDir, 'policy.yaml');
    writeFileSync(policyFile, stdout);
    await kubectl.run(['apply', '-f', policyFile]);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('rejects a simulated fleet whose default endpoint-name prefix is too long, saying what to set', async () => {
    // The API server picks a new policy up within a second or so.
    const deadline = Date.now() + 30_000;
    let message = '';
    for (let i = 0; Date.now() < deadline; i++) {
      try {
        await create(fleet(`newer-${i}`));
      } catch (error) {
        message = (error as Error).message;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(message).toContain('spec.devices.endpointNamePrefix is needed');
    expect(message).toContain(`"${namespace}.newer-`);
  });

  it('accepts the same fleet with an endpoint-name prefix, and lets a fleet made before the policy change', async () => {
    await create(fleet('prefixed', { devices: { endpointNamePrefix: 'aisle-7-' } }));
    await kubectl.run([
      ...['patch', 'shelffleet', 'older', '--namespace', namespace, '--type=merge'],
      ...['-p', JSON.stringify({ metadata: { finalizers: ['example.com/x'] }, spec: { replicas: 2 } })],
    ]);
    await kubectl.run([
      ...['patch', 'shelffleet', 'older', '--namespace', namespace, '--type=merge'],
      ...['-p', JSON.stringify({ metadata: { finalizers: null } })],
    ]);
  });
});
