// While a replica holds the notification Lease, its pod carries the label
// shelfpulse.io/bridge-active=true. The bridge Service selects that label, so
// the device cloud's deliveries reach the holder only, while every replica
// stays Ready and Kubernetes can roll them. A replica removes the label when it
// stops leading; one that dies with it is not Ready and leaves the endpoints,
// and one that lingers answers deliveries 503 (the cloud retries them).
import type { Logger } from 'pino';
import type { KubeClient } from '@shelfpulse/core/kube/client';
import { backoffDelay } from '@shelfpulse/core/runtime/backoff';
import { fieldManager } from './field-manager.ts';

export const activeLabel = 'shelfpulse.io/bridge-active';

export class ActivePodLabel {
  private readonly kube: KubeClient;
  private readonly log: Logger;
  private readonly path: string;

  constructor(kube: KubeClient, namespace: string, podName: string, log: Logger) {
    this.kube = kube;
    this.log = log;
    this.path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}`;
  }

  /** Sets or removes the label, retrying a few times; a failure is logged, never thrown. */
  async set(active: boolean): Promise<void> {
    const patch = { metadata: { labels: { [activeLabel]: active ? 'true' : null } } };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.kube.mergePatch(this.path, patch, fieldManager);
        this.log.info({ label: activeLabel, active }, 'pod label set');
        return;
      } catch (error) {
        this.log.warn({ err: error, label: activeLabel, active, attempt }, 'cannot label the pod');
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, 200, 2_000)));
      }
    }
  }
}
