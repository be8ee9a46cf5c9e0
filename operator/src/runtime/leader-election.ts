// Leader election with a coordination.k8s.io Lease, as client-go does it: a
// candidate takes the lease when it is free or when the holder has not renewed
// it for leaseDuration (measured on the candidate's own clock from when it last
// saw the record change, so clocks need not agree); the leader renews every
// retryPeriod and steps down if it cannot renew within renewDeadline. Updates
// carry the resourceVersion, so two candidates can never both win.
import type { Logger } from 'pino';
import { KubeError, isNotFound, type KubeClient, type KubeObject } from '../kube/client.ts';
import { resourcePath, resources } from '../kube/paths.ts';
import { sleep } from './informer.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** The Lease's owner (the Deployment of the candidates): the garbage collector deletes the Lease with it. */
  owner?: OwnerReference | undefined;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

const microTime = (d = new Date()): string => d.toISOString().replace('Z', '000Z');

export class LeaderElector {
  private readonly options: LeaderElectionOptions;
  private readonly client: KubeClient;
  private readonly log: Logger;
  private observed: { record: string; at: number } | undefined;
  private leading = false;

  constructor(client: KubeClient, options: LeaderElectionOptions, log: Logger) {
    this.client = client;
    this.options = options;
    this.log = log.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until `signal` aborts: calls onStartedLeading when it wins and
   * onStoppedLeading when it loses the lease, then campaigns again.
   */
  async run(
    signal: AbortSignal,
    onStartedLeading: () => Promise<void>,
    onStoppedLeading: () => Promise<void>,
  ): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.tryAcquireOrRenew())) {
        await sleep(this.options.retryPeriodMs * (1 + Math.random() * 0.2), signal);
        continue;
      }
      this.leading = true;
      this.log.info('became the leader');
      await onStartedLeading();
      let lastRenew = Date.now();
      while (!signal.aborted) {
        await sleep(this.options.retryPeriodMs, signal);
        if (signal.aborted) break;
        if (await this.tryAcquireOrRenew()) lastRenew = Date.now();
        else if (Date.now() - lastRenew > this.options.renewDeadlineMs) break;
      }
      this.leading = false;
      await onStoppedLeading();
      if (signal.aborted) await this.release();
      else this.log.warn('lost the lease; campaigning again');
    }
  }

  private path(name?: string): string {
    return resourcePath(resources.leases, this.options.namespace, name);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const { identity, leaseDurationMs } = this.options;
    const leaseDurationSeconds = Math.max(1, Math.round(leaseDurationMs / 1000));
    try {
      let lease: Lease;
      try {
        lease = await this.client.get<Lease>(this.path(this.options.name));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.client.create(this.path(), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.options.name,
            namespace: this.options.namespace,
            ...(this.options.owner ? { ownerReferences: [this.options.owner] } : {}),
          },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      const record = `${spec.holderIdentity}/${spec.renewTime}/${spec.leaseDurationSeconds}`;
      if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
      const held = Boolean(spec.holderIdentity) && spec.holderIdentity !== identity;
      const expiresAt = this.observed.at + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      if (held && Date.now() < expiresAt) return false;
      const mine = spec.holderIdentity === identity;
      const next: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: mine ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      };
      // PUT with the resourceVersion we read: a concurrent winner makes this a 409.
      await this.client.request('PUT', this.path(this.options.name), {
        body: { ...lease, metadata: this.withOwner(lease.metadata), spec: next },
      });
      return true;
    } catch (error) {
      if (!(error instanceof KubeError && error.status === 409)) {
        this.log.warn({ err: String(error) }, 'could not acquire or renew the lease');
      }
      return false;
    }
  }

  /** A Lease made before it had an owner (or by an older version) gets one when it is next written. */
  private withOwner(metadata: Lease['metadata']): Lease['metadata'] {
    const owner = this.options.owner;
    if (!owner || metadata?.ownerReferences?.some((r) => r.uid === owner.uid)) return metadata;
    const others = (metadata?.ownerReferences ?? []).filter(
      (r) => r.kind !== owner.kind || r.name !== owner.name,
    );
    return { ...metadata, ownerReferences: [...others, owner] };
  }

  /** Gives the lease up on a clean shutdown, so another replica takes over at once. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get<Lease>(this.path(this.options.name));
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      await this.client.request('PUT', this.path(this.options.name), {
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
        },
      });
      this.log.info('released the lease');
    } catch (error) {
      this.log.warn({ err: String(error) }, 'could not release the lease');
    }
  }
}

/** The owner reference of a Deployment, or undefined (logged) when it cannot be read. */
export async function deploymentOwner(
  client: KubeClient,
  namespace: string,
  name: string,
  log: Logger,
): Promise<OwnerReference | undefined> {
  try {
    const deployment = await client.get(resourcePath(resources.deployments, namespace, name));
    return { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata!.uid! };
  } catch (error) {
    log.warn({ err: String(error), deployment: name }, 'the Lease gets no owner: cannot read the Deployment');
    return undefined;
  }
}
