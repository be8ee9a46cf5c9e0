// Leader election with a coordination.k8s.io Lease, as client-go does it: a
// candidate takes the lease when it is free or when the holder has not renewed
// it for leaseDuration (measured on the candidate's own clock from when it last
// saw the record change, so clocks need not agree); the leader renews every
// retryPeriod and steps down if it cannot renew within renewDeadline. Updates
// carry the resourceVersion, so two candidates can never both win.
//
// No two leaders act at once: every attempt (read and write together) is cut
// off when the renew deadline passes, counted from when the last successful
// renewal was *sent*. Another candidate counts leaseDuration from when it *saw*
// that renewal, which is later, so the old leader has stopped for at least
// leaseDuration - renewDeadline before anyone else can take the lease.
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
  /** The Lease's owner (the candidates' Deployment or StatefulSet): the garbage collector deletes the Lease with it. */
  owner?: OwnerReference | undefined;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** The margin rules of client-go: the deadline ends before the lease, a retry fits in the deadline. */
export function leaderElectionTimingError(
  o: Pick<LeaderElectionOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>,
): string | undefined {
  if (o.renewDeadlineMs >= o.leaseDurationMs) return 'renewDeadlineMs must be less than leaseDurationMs';
  if (o.retryPeriodMs * 1.2 >= o.renewDeadlineMs)
    return 'retryPeriodMs (with 20% jitter) must be less than renewDeadlineMs';
  return undefined;
}

/** Started when leadership is won; `signal` aborts the moment it is lost. */
export type OnStartedLeading = (signal: AbortSignal) => Promise<void>;

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
    const timing = leaderElectionTimingError(options);
    if (timing) throw new Error(`leader election: ${timing}`);
    this.client = client;
    this.options = options;
    this.log = log.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until `signal` aborts: calls onStartedLeading when it wins (not
   * awaited: renewals go on meanwhile; its signal aborts when leadership ends)
   * and onStoppedLeading when it loses the lease, then campaigns again.
   */
  async run(
    signal: AbortSignal,
    onStartedLeading: OnStartedLeading,
    onStoppedLeading: () => Promise<void>,
  ): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.options;
    while (!signal.aborted) {
      let sentAt = Date.now();
      if (!(await this.tryAcquireOrRenew(renewDeadlineMs))) {
        await sleep(retryPeriodMs * (1 + Math.random() * 0.2), signal);
        continue;
      }
      let renewedAt = sentAt;
      const leadership = new AbortController();
      this.leading = true;
      this.log.info('became the leader');
      const started = onStartedLeading(leadership.signal).catch((error: unknown) =>
        this.log.error({ err: error }, 'starting to lead failed'),
      );
      while (!signal.aborted) {
        await sleep(Math.max(0, Math.min(retryPeriodMs, renewedAt + renewDeadlineMs - Date.now())), signal);
        const left = renewedAt + renewDeadlineMs - Date.now();
        if (signal.aborted || left <= 0) break;
        sentAt = Date.now();
        if (await this.tryAcquireOrRenew(left)) renewedAt = sentAt;
      }
      this.leading = false;
      leadership.abort();
      if (!signal.aborted) this.log.warn({ renewDeadlineMs }, 'could not renew the lease in time; stopping');
      await onStoppedLeading();
      await started;
      if (signal.aborted) await this.release();
      else this.log.warn('lost the lease; campaigning again');
    }
  }

  private path(name?: string): string {
    return resourcePath(resources.leases, this.options.namespace, name);
  }

  /** One read and one write, both abandoned when `timeoutMs` has passed. */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const now = new Date();
    const signal = AbortSignal.timeout(timeoutMs);
    const { identity, leaseDurationMs } = this.options;
    // Rounded up: others wait at least as long as this leader's own renew deadline assumes.
    const leaseDurationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
    try {
      let lease: Lease;
      try {
        lease = await this.client.request<Lease>('GET', this.path(this.options.name), { signal });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        const body = {
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
        };
        await this.client.request('POST', this.path(), { body, signal });
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
        signal,
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
    const signal = AbortSignal.timeout(this.options.renewDeadlineMs);
    try {
      const lease = await this.client.request<Lease>('GET', this.path(this.options.name), { signal });
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      await this.client.request('PUT', this.path(this.options.name), {
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
        },
        signal,
      });
      this.log.info('released the lease');
    } catch (error) {
      this.log.warn({ err: String(error) }, 'could not release the lease');
    }
  }
}

/** The owner reference of the candidates' workload, or undefined (logged) when it cannot be read. */
export async function workloadOwner(
  client: KubeClient,
  namespace: string,
  kind: 'Deployment' | 'StatefulSet',
  name: string,
  log: Logger,
): Promise<OwnerReference | undefined> {
  const resource = kind === 'Deployment' ? resources.deployments : resources.statefulSets;
  try {
    const workload = await client.get(resourcePath(resource, namespace, name));
    return { apiVersion: 'apps/v1', kind, name, uid: workload.metadata!.uid! };
  } catch (error) {
    log.warn({ err: String(error), kind, name }, 'the Lease gets no owner: cannot read its workload');
    return undefined;
  }
}
