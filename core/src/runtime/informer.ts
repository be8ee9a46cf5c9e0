// A list-then-watch cache of one resource kind, like client-go's informer:
// lists (paged), watches from the list's resourceVersion, relists on 410 Gone,
// restarts a watch that ends or goes silent, and replays every object to the
// handlers once per resync period so a missed event heals itself.
import type { Logger } from 'pino';
import { KubeError, type KubeClient, type KubeObject } from '../kube/client.ts';
import { watchStream } from '../kube/watch-stream.ts';
import { backoffDelay } from './backoff.ts';
import type { WatchMetrics } from './watch-metrics.ts';

export interface InformerHandlers<T> {
  added?(object: T): void;
  updated?(object: T, previous: T): void;
  deleted?(object: T): void;
  /** Called for every cached object once per resync period. */
  resync?(object: T): void;
}

export interface InformerOptions {
  /** Collection path, e.g. /apis/apps/v1/statefulsets (all namespaces). */
  path: string;
  name: string;
  labelSelector?: string;
  /** e.g. metadata.name=x: one object, which RBAC can then grant by name. */
  fieldSelector?: string;
  /** Cache only metadata (PartialObjectMetadata): enough to notice a change, without holding e.g. Secret data. */
  metadataOnly?: boolean;
  resyncMs: number;
  watchTimeoutSeconds: number;
  /** A watch with no event or bookmark for this long is restarted. */
  silenceMs: number;
  pageSize?: number;
  /** Trims what is cached (e.g. a StatefulSet's pod template); managedFields are always dropped. */
  transform?: (object: KubeObject) => KubeObject;
}

const metadataAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const metadataWatchAccept = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export const objectKey = (o: KubeObject): string =>
  o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? '');

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private syncedResolve: () => void = () => undefined;
  private running: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  readonly synced: Promise<void>;
  private readonly client: KubeClient;
  private readonly options: InformerOptions;
  private readonly log: Logger;
  private readonly metrics: WatchMetrics;

  constructor(client: KubeClient, options: InformerOptions, log: Logger, metrics: WatchMetrics) {
    this.client = client;
    this.options = options;
    this.log = log.child({ informer: options.name });
    this.metrics = metrics;
    this.synced = new Promise((resolve) => (this.syncedResolve = resolve));
  }

  get name(): string {
    return this.options.name;
  }

  on(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  start(): void {
    this.running ??= this.run();
    this.resyncTimer = setInterval(() => {
      for (const o of this.store.values()) for (const h of this.handlers) h.resync?.(o);
    }, this.options.resyncMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist();
        const end = await this.watchOnce();
        failures = 0;
        if (end === 'silent') {
          this.metrics.restarts.inc({ resource: this.options.name, cause: 'silent' });
          this.log.warn('watch went silent; restarting it');
        } else if (end === 'closed') {
          this.metrics.restarts.inc({ resource: this.options.name, cause: 'closed' });
        }
      } catch (error) {
        if (this.abort.signal.aborted) break;
        const gone = error instanceof KubeError && error.status === 410;
        if (gone) this.resourceVersion = '';
        this.metrics.restarts.inc({ resource: this.options.name, cause: gone ? 'gone' : 'error' });
        failures++;
        const delay = backoffDelay(failures, 200, 30_000);
        this.log.warn(
          { err: String(error), retryInMs: delay },
          gone ? 'watch expired; relisting' : 'list/watch failed',
        );
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.client.list<T>(
        this.options.path,
        {
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          limit: this.options.pageSize ?? 500,
          continue: continueToken,
        },
        this.options.metadataOnly ? metadataAccept : undefined,
      );
      for (const item of page.items ?? []) fresh.set(objectKey(item), item);
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        for (const h of this.handlers) h.deleted?.(old);
      }
    }
    for (const [key, object] of fresh) this.apply(key, object);
    this.resourceVersion = resourceVersion;
    this.syncedResolve();
  }

  private apply(key: string, received: T): void {
    const object = this.trim(received);
    const previous = this.store.get(key);
    this.store.set(key, object);
    if (!previous) for (const h of this.handlers) h.added?.(object);
    else if (previous.metadata?.resourceVersion !== object.metadata?.resourceVersion)
      for (const h of this.handlers) h.updated?.(object, previous);
  }

  /** The cache holds thousands of objects: keep only what the controllers read. */
  private trim(object: T): T {
    if (object.metadata && 'managedFields' in object.metadata) {
      // A copy without the field, not `delete`: deleting turns the object into a
      // dictionary, about a third larger than the copy (bench/README.md, operator).
      const { managedFields: _dropped, ...metadata } = object.metadata as Record<string, unknown>;
      object = { ...object, metadata };
    }
    return (this.options.transform ? this.options.transform(object) : object) as T;
  }

  private async watchOnce(): Promise<'closed' | 'silent' | 'aborted'> {
    const jitter = Math.floor(Math.random() * this.options.watchTimeoutSeconds * 0.2);
    const timeoutSeconds = this.options.watchTimeoutSeconds + jitter;
    return watchStream<T>(
      this.client,
      this.options.path,
      {
        resourceVersion: this.resourceVersion,
        timeoutSeconds,
        silenceMs: Math.min(this.options.silenceMs, (timeoutSeconds + 30) * 1000),
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        accept: this.options.metadataOnly ? metadataWatchAccept : undefined,
        signal: this.abort.signal,
      },
      (event) => {
        if (event.type === 'ERROR') {
          const status = event.object as unknown as { code?: number; message?: string; reason?: string };
          throw new KubeError(status.code ?? 500, status.reason ?? 'Error', status.message ?? 'watch error');
        }
        const rv = event.object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (event.type === 'BOOKMARK') return;
        const key = objectKey(event.object);
        if (event.type === 'DELETED') {
          const old = this.store.get(key) ?? event.object;
          this.store.delete(key);
          for (const h of this.handlers) h.deleted?.(old);
        } else {
          this.apply(key, event.object);
        }
      },
    );
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
