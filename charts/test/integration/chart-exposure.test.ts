// How users reach Grafana: the rules that keep Ingress, HTTPRoute, rootUrl and
// subPath consistent, Grafana's root_url and secure cookies derived from
// whichever is used, and NOTES printing the URL to open.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Helm } from '../../../testenv/src/index.ts';
import { chartDir, Kubectl, render } from './chart.ts';

const env = inject('testenv');
const helm = new Helm(env.workDir, env.kube.kubeconfig);
const kubectl = new Kubectl(env.kube.kubeconfig);
const route = ['--values', `${chartDir}/ci/httproute.yaml`];

/** The [server] and [security] settings Grafana gets. */
async function grafanaIni(...args: string[]): Promise<Record<string, string>> {
  const objects = await render(helm, 'x', 'shop', ...args);
  const ini = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'x-shelfpulse-grafana')!
    .data!['grafana.ini']!;
  return Object.fromEntries(
    [...ini.matchAll(/^\s*(root_url|serve_from_sub_path|cookie_secure) = (.*)$/gm)].map((m) => [
      m[1]!,
      m[2]!,
    ]),
  );
}

/** NOTES.txt as `helm install` prints it (client-side dry run: nothing is installed). */
async function notes(...args: string[]): Promise<string> {
  const { stdout } = await helm.run(
    'install',
    'x',
    chartDir,
    '--namespace',
    'shop',
    '--dry-run=client',
    ...args,
  );
  return stdout.slice(stdout.indexOf('NOTES:'));
}

describe('Grafana exposure', () => {
  beforeAll(async () => {
    // `helm install --dry-run=client` maps every kind against the API server: the chart's CRDs, and HTTPRoute.
    await kubectl.installCrds();
    const crd = fileURLToPath(new URL('fixtures/httproute-mapping-crd.yaml', import.meta.url));
    await kubectl.run(['apply', '--server-side', '-f', crd]);
    await kubectl.run(['wait', '--for=condition=Established', '--timeout=60s', '-f', crd]);
  });

  it("rejects an Ingress pathType Exact, which would route only '/' and break every asset", async () => {
    await expect(render(helm, 'x', 'shop', '--set', 'grafana.ingress.pathType=Exact')).rejects.toThrow(
      /at '\/grafana\/ingress\/pathType': value must be one of 'Prefix', 'ImplementationSpecific'/,
    );
    const objects = await render(helm, 'x', 'shop', '--values', `${chartDir}/ci/ingress-subpath.yaml`);
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/grafana', pathType: 'Prefix' });
  });

  it('rejects a rootUrl whose path is not the subPath', async () => {
    await expect(
      render(
        helm,
        'x',
        'shop',
        '--set',
        'grafana.rootUrl=https://a.example.com/',
        '--set',
        'grafana.subPath=/grafana',
      ),
    ).rejects.toThrow('grafana.rootUrl "https://a.example.com/" must end in grafana.subPath "/grafana"');
    await expect(
      render(helm, 'x', 'shop', '--set', 'grafana.rootUrl=https://a.example.com/grafana/'),
    ).rejects.toThrow(/must end in grafana.subPath ""/);
    expect(
      await grafanaIni(
        '--set',
        'grafana.rootUrl=https://a.example.com/grafana/',
        '--set',
        'grafana.subPath=/grafana',
      ),
    ).toEqual({
      root_url: 'https://a.example.com/grafana/',
      serve_from_sub_path: 'true',
      cookie_secure: 'true',
    });
  });

  it("behind an HTTPRoute: root_url from the route's host, secure cookies behind an HTTPS listener", async () => {
    expect(await grafanaIni(...route)).toEqual({
      root_url: 'https://shop.example.com/',
      serve_from_sub_path: 'false',
      cookie_secure: 'true',
    });
    expect(
      await grafanaIni(...route, '--set', 'grafana.httpRoute.https=false', '--set', 'grafana.subPath=/g'),
    ).toEqual({
      root_url: 'http://shop.example.com/g/',
      serve_from_sub_path: 'true',
      cookie_secure: 'false',
    });
    await expect(
      render(helm, 'x', 'shop', ...route, '--set', 'grafana.httpRoute.hostnames=null'),
    ).rejects.toThrow(/grafana.httpRoute.enabled needs grafana.httpRoute.hostnames or grafana.rootUrl/);
  });

  it('behind an Ingress: secure cookies exactly with TLS', async () => {
    const ingress = [
      '--set',
      'grafana.ingress.enabled=true',
      '--set',
      'grafana.ingress.hosts[0]=g.example.com',
    ];
    expect(await grafanaIni(...ingress)).toMatchObject({
      root_url: 'http://g.example.com/',
      cookie_secure: 'false',
    });
    expect(
      await grafanaIni(
        ...ingress,
        '--set',
        'grafana.ingress.tls[0].secretName=t',
        '--set',
        'grafana.ingress.tls[0].hosts[0]=g.example.com',
      ),
    ).toMatchObject({ root_url: 'https://g.example.com/', cookie_secure: 'true' });
  });

  it("NOTES print the route's URL instead of a port-forward, and the port-forward without exposure", async () => {
    const routed = await notes(...route);
    expect(routed).toContain('Open: https://shop.example.com/');
    expect(routed).not.toContain('port-forward');
    expect(await notes()).toContain('port-forward svc/x-shelfpulse-grafana 3000:80');
  });
});
