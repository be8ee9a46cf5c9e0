// The informer against the real API server: it lists, then watches; a watch on
// which nothing arrives for longer than the silence limit is dropped and
// started again from the last resourceVersion, without losing events.
import { pino } from 'pino';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNamespace, eventually, loadKubeConfig } from '@shelfpulse/testenv';
import { KubeClient, type KubeObject } from '../../src/kube/client.ts';
import { fromKubeconfig } from '../../src/kube/connection.ts';
import { resourcePath, resources } from '../../src/kube/paths.ts';
import { Informer } from '../../src/runtime/informer.ts';
import { Registry } from 'prom-client';
import { WatchMetrics } from '../../src/runtime/watch-metrics.ts';

const env = inject('testenv');

describe('Informer', () => {
  let kc: KubeConfig;
  let client: KubeClient;
  let namespace: string;
  let informer: Informer<KubeObject>;
  const metrics = new WatchMetrics(new Registry(), 'informer_test_');
  const seen: string[] = [];

  beforeAll(async () => {
    kc = loadKubeConfig(env.kube.kubeconfig);
    client = new KubeClient(fromKubeconfig(env.kube.kubeconfig));
    namespace = await createNamespace(kc, 'informer');
    const cmPath = resourcePath(resources.configMaps, namespace);
    await client.create(cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'listed' } });
    informer = new Informer(
      client,
      { name: 'configmaps', path: cmPath, resyncMs: 60_000, watchTimeoutSeconds: 300, silenceMs: 1000 },
      pino({ level: 'silent' }),
      metrics,
    );
    informer.on({
      added: (o) => seen.push(`added ${o.metadata?.name}`),
      updated: (o) => seen.push(`updated ${o.metadata?.name}`),
      deleted: (o) => seen.push(`deleted ${o.metadata?.name}`),
    });
    informer.start();
    await informer.synced;
  });
  afterAll(async () => {
    await informer?.stop();
  });

  it('lists what exists, then restarts a silent watch and still sees every change', async () => {
    expect(informer.get(`${namespace}/listed`)).toBeDefined();
    const silentRestarts = async () =>
      (await metrics.restarts.get()).values.find((v) => v.labels['cause'] === 'silent')?.value ?? 0;
    await eventually(
      'a silent watch restarted twice',
      async () => ((await silentRestarts()) >= 2 ? true : undefined),
      15_000,
    );

    const cmPath = resourcePath(resources.configMaps, namespace);
    await client.create(cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } });
    await client.mergePatch(resourcePath(resources.configMaps, namespace, 'later'), { data: { a: '1' } });
    await client.delete(resourcePath(resources.configMaps, namespace, 'listed'));
    await eventually('the three changes', async () => (seen.includes('deleted listed') ? true : undefined));
    expect(seen.filter((s) => !s.includes('kube-root-ca'))).toEqual([
      'added listed',
      'added later',
      'updated later',
      'deleted listed',
    ]);
    expect(informer.get(`${namespace}/listed`)).toBeUndefined();
    expect(informer.get(`${namespace}/later`)).toMatchObject({ data: { a: '1' } });
  });

  it('caches objects without managedFields, keeping the rest of their metadata', async () => {
    const cmPath = resourcePath(resources.configMaps, namespace);
    const created = await client.create<KubeObject>(cmPath, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'trimmed', labels: { app: 'shelf' }, annotations: { note: 'kept' } },
      data: { b: '2' },
    });
    expect(created.metadata).toHaveProperty('managedFields');
    const cached = await eventually('the new ConfigMap in the cache', async () =>
      informer.get(`${namespace}/trimmed`),
    );
    expect(cached.metadata).not.toHaveProperty('managedFields');
    expect(cached).toMatchObject({
      metadata: {
        name: 'trimmed',
        namespace,
        uid: created.metadata?.uid,
        resourceVersion: created.metadata?.resourceVersion,
        labels: { app: 'shelf' },
        annotations: { note: 'kept' },
      },
      data: { b: '2' },
    });
  });
});
