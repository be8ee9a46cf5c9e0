// With leader election only the Lease holder takes notifications. A replica
// that wins waits handoverMs (the previous holder flushes meanwhile), loads
// every device's counts, labels its pod (which the bridge Service selects) and
// resumes the channel; one that loses the Lease undoes that. Stopping the
// campaign releases the Lease.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { KubeClient } from '@shelfpulse/core/kube/client';
import { LeaderElector, workloadOwner } from '@shelfpulse/core/runtime/leader-election';
import { ActivePodLabel } from '../active-label.ts';
import type { BridgeConfig } from '../config.ts';
import type { ActiveReplica } from './active-replica.ts';
import type { NotificationChannel } from './notification-channel.ts';

export type LeaderElectionSettings = NonNullable<BridgeConfig['leaderElection']>;

export interface LeadershipParts {
  kube: KubeClient;
  settings: LeaderElectionSettings;
  replica: ActiveReplica;
  channel: NotificationChannel;
  log: Logger;
}

export class Leadership {
  private readonly parts: LeadershipParts;
  private readonly podLabel: ActivePodLabel | undefined;
  private readonly stopCampaign = new AbortController();
  private campaign: Promise<void> = Promise.resolve();

  private constructor(parts: LeadershipParts) {
    this.parts = parts;
    const { kube, settings, log } = parts;
    this.podLabel = settings.podName
      ? new ActivePodLabel(kube, settings.namespace, settings.podName, log)
      : undefined;
  }

  /** Starts campaigning for the Lease (in the background). */
  static async start(parts: LeadershipParts): Promise<Leadership> {
    const { kube, settings: le, log } = parts;
    const owner = le.ownerDeployment
      ? await workloadOwner(kube, le.namespace, le.ownerKind, le.ownerDeployment, log)
      : undefined;
    const elector = new LeaderElector(
      kube,
      {
        namespace: le.namespace,
        name: le.lease,
        identity: le.identity ?? `${hostname()}-${process.pid}`,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        owner,
      },
      log,
    );
    const leadership = new Leadership(parts);
    leadership.campaign = elector.run(
      leadership.stopCampaign.signal,
      (leading) => leadership.lead(leading),
      () => leadership.standBy(),
    );
    return leadership;
  }

  /** Called on winning; `leading` aborts when the Lease is lost. */
  private async lead(leading: AbortSignal): Promise<void> {
    const { settings, replica, channel } = this.parts;
    await sleep(settings.handoverMs, undefined, { signal: leading }).catch(() => undefined);
    if (leading.aborted || !(await replica.activate(leading))) return;
    await this.podLabel?.set(true);
    // Leadership may have ended while labelling: standBy may have run already.
    if (leading.aborted) {
      await this.podLabel?.set(false);
      return;
    }
    await channel.resume();
  }

  private async standBy(): Promise<void> {
    this.parts.replica.deactivate();
    await this.podLabel?.set(false);
    await this.parts.channel.pause();
  }

  /** Stops campaigning: steps down (when leading) and releases the Lease. */
  async stop(): Promise<void> {
    this.stopCampaign.abort();
    await this.campaign;
  }
}
