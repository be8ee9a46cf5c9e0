// Webhook mode: every replica registers the same URL and secret header, which
// is idempotent, so replicas never fight. The cloud verifies the URL with a
// PUT through the bridge's Service, which reaches only the Lease holder's pod
// once it has labelled itself: until then registration is retried in the
// background with backoff, never given up, and at once when this replica
// becomes the holder (it is not Ready before: the cloud drops notifications
// for a key without a channel). Without a public URL the
// channel is registered elsewhere and this replica is ready at once. A rotated
// secret (a file the kubelet updated, credential.ts) is registered again the
// same way; the previous one is still accepted for a grace period.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffDelay } from '@shelfpulse/core/runtime/backoff';
import type { DeviceCloudClient } from '../cloud.ts';
import type { BridgeConfig } from '../config.ts';
import type { Credential } from '../credential.ts';
import type { NotificationChannel } from './notification-channel.ts';

type WebhookSettings = BridgeConfig['webhook'];

export class WebhookChannel implements NotificationChannel {
  private readonly settings: WebhookSettings;
  private readonly secret: Credential | undefined;
  private readonly cloud: DeviceCloudClient | undefined;
  private readonly log: Logger;
  private registered: boolean;
  private closed = false;
  private readonly stopRetrying = new AbortController();
  /** Aborted to cut the retry's current wait short. */
  private wake = new AbortController();
  private retrying: Promise<void> | undefined;

  constructor(
    settings: WebhookSettings,
    secret: Credential | undefined,
    cloud: DeviceCloudClient | undefined,
    log: Logger,
  ) {
    this.settings = settings;
    this.secret = secret;
    this.cloud = cloud;
    this.log = log;
    this.registered = !settings.publicUrl;
  }

  get ready(): boolean {
    return this.registered && !this.closed;
  }

  async open(): Promise<void> {
    const { publicUrl, header } = this.settings;
    const { cloud, secret } = this;
    if (!cloud || !publicUrl || !secret) return;
    const register = async (): Promise<boolean> => {
      try {
        await cloud.registerWebhook(publicUrl, header, secret.current());
        this.registered = true;
        this.log.info({ url: publicUrl }, 'webhook registered');
        return true;
      } catch (error) {
        this.log.warn({ url: publicUrl, err: error }, 'webhook not registered yet; retrying');
        return false;
      }
    };
    secret.onChange(() => void this.registerAgain(register));
    if (await register()) return;
    this.retrying = this.retry(register);
  }

  /** After a rotation: once any retrying is over, registers the new secret (retrying until it is). */
  private async registerAgain(register: () => Promise<boolean>): Promise<void> {
    await this.retrying;
    if (this.stopRetrying.signal.aborted || (await register())) return;
    this.retrying = this.retry(register);
  }

  private async retry(register: () => Promise<boolean>): Promise<void> {
    const { signal } = this.stopRetrying;
    for (let attempt = 0; !signal.aborted; attempt++) {
      const wake = this.wake.signal;
      await sleep(backoffDelay(attempt, 1_000, 30_000), undefined, {
        signal: AbortSignal.any([signal, wake]),
      }).catch(() => undefined);
      if (wake.aborted) {
        // Woken by leadership: short delays again, as the URL is about to answer.
        this.wake = new AbortController();
        attempt = -1;
      }
      if (signal.aborted || (await register())) return;
    }
  }

  // Leadership decides only which pod the Service selects (the pod label), not the
  // channel. But a holder is not Ready until the webhook is registered, and its URL
  // has just started to reach a pod: try again now rather than after the backoff.
  async resume(): Promise<void> {
    if (!this.registered) this.wake.abort();
  }

  async pause(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.secret?.close();
    this.stopRetrying.abort();
    await this.retrying;
  }
}
