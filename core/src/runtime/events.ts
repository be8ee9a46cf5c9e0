// Kubernetes Events on the objects the operator reconciles (core/v1), so
// `kubectl describe` shows what happened. Identical events within a minute are
// sent once, and a failing event write never fails a reconcile.
import type { Logger } from 'pino';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { resourcePath, resources } from '../kube/paths.ts';

export class EventRecorder {
  private readonly recent = new Map<string, number>();
  private readonly client: KubeClient;
  private readonly component: string;
  private readonly log: Logger;
  private readonly mayWrite: (namespace: string | undefined) => boolean;

  /** `mayWrite`: namespaces the operator may write Events in (others are skipped quietly). */
  constructor(
    client: KubeClient,
    component: string,
    log: Logger,
    mayWrite: (namespace: string | undefined) => boolean = () => true,
  ) {
    this.client = client;
    this.component = component;
    this.log = log;
    this.mayWrite = mayWrite;
  }

  async record(
    object: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const meta = object.metadata ?? {};
    if (!this.mayWrite(meta.namespace)) return;
    const dedupe = `${meta.uid}/${type}/${reason}/${message}`;
    const now = Date.now();
    if ((this.recent.get(dedupe) ?? 0) > now - 60_000) return;
    this.recent.set(dedupe, now);
    if (this.recent.size > 10_000) this.recent.clear();
    const time = new Date(now).toISOString();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${meta.name}.`, namespace: meta.namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    try {
      await this.client.create(resourcePath(resources.events, meta.namespace), event as KubeObject);
    } catch (error) {
      this.log.warn({ err: String(error), reason }, 'could not record an event');
    }
  }
}
