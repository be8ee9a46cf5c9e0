// The finalizer helper against the real API server, on ConfigMaps (any object
// takes finalizers): a live object gets the finalizer before `apply` runs; a
// deleted one is kept until `cleanup` succeeds, and then goes; other
// finalizers are never dropped; once leadership has ended nothing is written.
import type { KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createNamespace, loadKubeConfig } from '@shelfpulse/testenv';
import { KubeClient, isNotFound, type KubeObject } from '../../src/kube/client.ts';
import { fromKubeconfig } from '../../src/kube/connection.ts';
import { resourcePath, resources } from '../../src/kube/paths.ts';
import { finalizer, type FinalizerEvent } from '../../src/runtime/finalizer.ts';

const env = inject('testenv');
const name = 'example.test/cleanup';
const other = 'example.test/someone-else';

describe('finalizer', () => {
  let kc: KubeConfig;
  let client: KubeClient;
  let namespace: string;
  const path = (n: string) => resourcePath(resources.configMaps, namespace, n);
  const create = (n: string, finalizers?: string[]) =>
    client.create(resourcePath(resources.configMaps, namespace), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: n, ...(finalizers ? { finalizers } : {}) },
    });
  const run = (
    object: KubeObject,
    reconcile: (event: FinalizerEvent<KubeObject>) => Promise<string>,
    signal?: AbortSignal,
  ) =>
    finalizer(
      { client, path: path(object.metadata!.name!), name, ...(signal ? { signal } : {}) },
      object,
      reconcile,
    );
  const gone = async (n: string) =>
    client.get(path(n)).then(
      () => false,
      (e: unknown) => isNotFound(e),
    );

  beforeAll(async () => {
    kc = loadKubeConfig(env.kube.kubeconfig);
    client = new KubeClient(fromKubeconfig(env.kube.kubeconfig));
    namespace = await createNamespace(kc, 'finalizer');
  });

  it('adds the finalizer, keeping the others, before apply runs', async () => {
    const object = await create('live', [other]);
    const result = await run(object, async (event) => {
      const current = await client.get(path('live'));
      return `${event.type}: ${current.metadata?.finalizers?.join(' ')}`;
    });
    expect(result).toBe(`apply: ${other} ${name}`);
  });

  it('runs cleanup on deletion and then lets the object go', async () => {
    let object = await create('deleted');
    await run(object, async () => 'applied');
    await client.delete(path('deleted'));
    object = await client.get(path('deleted'));
    expect(object.metadata?.deletionTimestamp).toBeDefined();
    expect(await run(object, async (event) => event.type)).toBe('cleanup');
    expect(await gone('deleted')).toBe(true);
  });

  it('keeps the object while cleanup fails, and removes only its own finalizer', async () => {
    let object = await create('blocked', [other]);
    await run(object, async () => 'applied');
    await client.delete(path('blocked'));
    object = await client.get(path('blocked'));
    await expect(
      run(object, async () => {
        throw new Error('device cloud down');
      }),
    ).rejects.toThrow('device cloud down');
    expect((await client.get(path('blocked'))).metadata?.finalizers).toEqual([other, name]);
    await run(object, async () => 'cleaned');
    expect((await client.get(path('blocked'))).metadata?.finalizers).toEqual([other]);
  });

  it('does nothing for an object deleted without its finalizer', async () => {
    await create('not-ours', [other]);
    await client.delete(path('not-ours'));
    const object = await client.get(path('not-ours'));
    const events: string[] = [];
    expect(await run(object, async (event) => (events.push(event.type), 'ran'))).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('refuses to add the finalizer from a stale object', async () => {
    const stale = await create('stale');
    await client.mergePatch(path('stale'), { metadata: { finalizers: [other] } });
    await expect(run(stale, async () => 'applied')).rejects.toThrow();
    expect((await client.get(path('stale'))).metadata?.finalizers).toEqual([other]);
  });

  it('writes nothing once leadership has ended', async () => {
    const lost = new AbortController();
    lost.abort();
    const fresh = await create('after-leadership');
    expect(await run(fresh, async () => 'applied', lost.signal)).toBeUndefined();
    expect((await client.get(path('after-leadership'))).metadata?.finalizers).toBeUndefined();

    await create('deleted-after-leadership', [name]);
    await client.delete(path('deleted-after-leadership'));
    const object = await client.get(path('deleted-after-leadership'));
    expect(await run(object, async (event) => event.type, lost.signal)).toBe('cleanup');
    expect((await client.get(path('deleted-after-leadership'))).metadata?.finalizers).toEqual([name]);
  });
});
