// The MetricSink controller against a real influxd with authentication on:
// it creates the database and retention policy, reports Unauthorized,
// DatabaseMissing and Unreachable with reasons a person can act on, reacts to
// a change of the credentials Secret (at its next check), and leaves the bridge's counters alone.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, freePort, type Influxd, startInfluxd } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { MetricSink } from '@shelfpulse/core/api/metric-sink';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';
import { allowReferenceLabel } from '@shelfpulse/core/kube/secret-reference';

const env = inject('testenv');
type Sink = MetricSink & KubeObject;

describe('MetricSink', () => {
  let client: KubeClient;
  let namespace: string;
  let influxd: Influxd;
  let operator: RunningOperator;
  const admin = { username: 'admin', password: randomBytes(12).toString('hex') };
  const writer = { username: 'writer', password: randomBytes(12).toString('hex') };
  const sinkPath = (name?: string) => resourcePath(resources.metricSinks, namespace, name);
  const ready = async (name: string, status: 'True' | 'False', reason?: string, timeoutMs?: number) =>
    eventually(
      `${name} Ready=${status}${reason ? ` (${reason})` : ''}`,
      async () => {
        const sink = await client.get<Sink>(sinkPath(name));
        const c = sink.status?.conditions?.find((x) => x.type === 'Ready');
        return c?.status === status &&
          (!reason || c.reason === reason) &&
          sink.status?.observedGeneration === sink.metadata.generation
          ? sink
          : undefined;
      },
      timeoutMs,
    );
  const influxQuery = async (q: string) => {
    const response = await fetch(
      `${influxd.url}/query?${new URLSearchParams({ q, u: admin.username, p: admin.password })}`,
    );
    return JSON.stringify(await response.json());
  };
  const secret = (name: string, data: Record<string, string>) =>
    client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, labels: { [allowReferenceLabel]: 'true' } },
      stringData: data,
    });
  const sink = (name: string, spec: Record<string, unknown>) =>
    client.create(sinkPath(), { apiVersion, kind: 'MetricSink', metadata: { name }, spec });

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('metric-sink'));
    influxd = await startInfluxd(join(env.workDir), { admin });
    await influxQuery('CREATE DATABASE existing');
    await influxQuery(`CREATE USER ${writer.username} WITH PASSWORD '${writer.password}'`);
    await influxQuery(`GRANT WRITE ON existing TO ${writer.username}`);
    await secret('influx-admin', admin);
    await secret('influx-writer', writer);
    // Long periodic checks for healthy sinks; a failing one is checked again every 10 s, and
    // reads its Secret anew each time (Secrets are not watched: that would need list on Secrets).
    operator = await startOperator(testOperatorConfig(namespace, { sinkCheckMs: 60_000 }), {
      processMetrics: false,
    });
  });
  afterAll(async () => {
    await operator?.close();
    await influxd?.stop();
  });

  it('creates the database and retention policy and reports the sink reachable, writable and Ready', async () => {
    await sink('main', {
      url: influxd.url,
      database: 'shelfpulse',
      retentionPolicy: 'week',
      retentionDuration: '7d',
      credentialsSecretRef: { name: 'influx-admin' },
    });
    const s = await ready('main', 'True', 'Ready');
    expect(s.status).toMatchObject({ reachable: true, writable: true });
    expect(await influxQuery('SHOW DATABASES')).toContain('"shelfpulse"');
    expect(await influxQuery('SHOW RETENTION POLICIES ON shelfpulse')).toMatch(/"week","168h0m0s"/);
  });

  it('reports Unauthorized for a wrong password and turns Ready at the next check once the Secret is fixed', async () => {
    await secret('influx-typo', { username: 'admin', password: 'wrong' });
    await sink('typo', {
      url: influxd.url,
      database: 'shelfpulse',
      credentialsSecretRef: { name: 'influx-typo' },
    });
    const s = await ready('typo', 'False', 'Unauthorized');
    expect(s.status?.writable).toBe(false);
    expect(s.status?.lastError).toMatch(/authorization failed|credentials/);
    await client.mergePatch(resourcePath(resources.secrets, namespace, 'influx-typo'), {
      stringData: { password: admin.password },
    });
    await ready('typo', 'True', 'Ready', 15_000);
  });

  it('reports DatabaseMissing when the user may not create the database, and Ready where it may write', async () => {
    await sink('no-db', {
      url: influxd.url,
      database: 'not-there',
      credentialsSecretRef: { name: 'influx-writer' },
    });
    const missing = await ready('no-db', 'False', 'DatabaseMissing');
    expect(missing.status?.lastError).toMatch(/not-there/);
    await sink('writer', {
      url: influxd.url,
      database: 'existing',
      credentialsSecretRef: { name: 'influx-writer' },
    });
    await ready('writer', 'True', 'Ready');
  });

  it('reports Unreachable when nothing listens at the URL', async () => {
    await sink('nowhere', { url: `http://127.0.0.1:${await freePort()}`, database: 'x' });
    const s = await ready('nowhere', 'False', 'Unreachable');
    expect(s.status).toMatchObject({ reachable: false, writable: false });
    expect(s.status?.lastError).toMatch(/cannot reach .*ECONNREFUSED/);
  });

  it('reports a missing credentials Secret by name', async () => {
    await sink('no-secret', { url: influxd.url, database: 'x', credentialsSecretRef: { name: 'absent' } });
    const s = await ready('no-secret', 'False', 'SecretMissing');
    expect(s.status?.lastError).toMatch(/Secret absent/);
  });

  it('checks a v2-flavour sink through /api/v2/write with a token', async () => {
    await secret('influx-token', { token: `${admin.username}:${admin.password}` });
    await sink('v2', {
      url: influxd.url,
      flavour: 'v2',
      bucket: 'shelfpulse/week',
      credentialsSecretRef: { name: 'influx-token' },
    });
    await ready('v2', 'True', 'Ready');
  });

  it("keeps the bridge's counters when it writes its status", async () => {
    // The bridge reports its counters under its own field manager.
    await client.apply(
      sinkPath('main') + '/status',
      {
        apiVersion,
        kind: 'MetricSink',
        metadata: { name: 'main', namespace },
        status: { pointsWritten: 42, pointsDropped: 1 },
      },
      'shelfpulse-bridge',
    );
    await client.mergePatch(sinkPath('main'), { spec: { batching: { maxPoints: 1000 } } });
    const s = await ready('main', 'True', 'Ready');
    expect(s.metadata.generation).toBe(2);
    expect(s.status).toMatchObject({ pointsWritten: 42, pointsDropped: 1, writable: true });
  });

  it("sets a fleet's SinkReady from its sinks", async () => {
    const fleet = (name: string, sinks: string[]) =>
      client.create(resourcePath(resources.shelfFleets, namespace), {
        apiVersion,
        kind: 'ShelfFleet',
        metadata: { name },
        spec: {
          devices: { endpointType: 'smart-shelf' },
          placements: [{ productId: 'a', position: 'top' }],
          sinks,
        },
      });
    await fleet('good-sinks', ['main', 'writer']);
    await fleet('bad-sinks', ['main', 'typo-2']);
    const sinkReady = (name: string) =>
      eventually(`${name} SinkReady`, async () => {
        const f = await client.get<ShelfFleet & KubeObject>(
          resourcePath(resources.shelfFleets, namespace, name),
        );
        return f.status?.conditions?.find((c) => c.type === 'SinkReady');
      });
    expect(await sinkReady('good-sinks')).toMatchObject({ status: 'True', reason: 'SinksReady' });
    expect(await sinkReady('bad-sinks')).toMatchObject({ status: 'False', reason: 'SinkNotFound' });
    // The missing sink appears, unreachable: the fleet follows without being touched.
    await sink('typo-2', { url: `http://127.0.0.1:${await freePort()}`, database: 'x' });
    await eventually('bad-sinks SinkNotReady', async () => {
      const c = await sinkReady('bad-sinks');
      return c.reason === 'SinkNotReady' ? c : undefined;
    });
  });
});
