// One cache over several namespaces: an informer per namespace behind the
// interface of a single one. The operator watches its workloads only in the
// namespaces it manages, so it needs list/watch there and nowhere else.
import type { KubeObject } from '../kube/client.ts';
import type { Informer, InformerHandlers } from './informer.ts';

/** What controllers use of an informer. */
export type Cache<T extends KubeObject> = Pick<
  Informer<T>,
  'name' | 'synced' | 'on' | 'get' | 'list' | 'start' | 'stop'
>;

export class InformerGroup<T extends KubeObject> implements Cache<T> {
  readonly name: string;
  readonly synced: Promise<void>;
  private readonly members: Informer<T>[];

  constructor(name: string, members: Informer<T>[]) {
    this.name = name;
    this.members = members;
    this.synced = Promise.all(members.map((m) => m.synced)).then(() => undefined);
  }

  on(handlers: InformerHandlers<T>): void {
    for (const m of this.members) m.on(handlers);
  }

  /** Keys are `namespace/name`, and each namespace is in one member only. */
  get(key: string): T | undefined {
    for (const m of this.members) {
      const found = m.get(key);
      if (found) return found;
    }
    return undefined;
  }

  list(): T[] {
    return this.members.flatMap((m) => m.list());
  }

  start(): void {
    for (const m of this.members) m.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
  }
}
