// One notification channel per API key, as in the real service: long poll or
// webhook, never both. Events for a key without a channel are dropped (counted),
// except async responses: the key asked for them, and the service keeps them for
// the channel the key opens next (a client that sends a request and then starts
// its first long poll must get the answer).
import type { Logger } from 'pino';
import { ApiError } from './api-error.ts';
import type { DeviceCloudConfig } from './config.ts';
import { EventQueue } from './event-queue.ts';
import { LongPollChannel } from './long-poll-channel.ts';
import type { Metrics } from './metrics.ts';
import type { ChannelEvent } from './notification-message.ts';
import { WebhookChannel, type WebhookTarget } from './webhook-channel.ts';

export type Channel = LongPollChannel | WebhookChannel;

export class Channels {
  private readonly byKey = new Map<string, Channel>();
  /** Async responses for keys without a channel, bounded like a channel's queue. */
  private readonly held = new Map<string, EventQueue>();
  private readonly config: DeviceCloudConfig;
  private readonly metrics: Metrics;
  private readonly log: Logger;

  constructor(config: DeviceCloudConfig, metrics: Metrics, log: Logger) {
    this.config = config;
    this.metrics = metrics;
    this.log = log;
  }

  get(key: string): Channel | undefined {
    return this.byKey.get(key);
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** The long-poll channel, created by the first poll as in the real service. */
  longPoll(key: string): LongPollChannel {
    const existing = this.byKey.get(key);
    if (existing instanceof LongPollChannel) return existing;
    if (existing) throw conflict('webhook');
    const channel = new LongPollChannel({
      queueSize: this.config.channel.queueSize,
      maxBatch: this.config.channel.maxBatch,
      timeoutMs: this.config.longPoll.timeoutMs,
      onDrop: () => this.metrics.eventsDropped.inc({ reason: 'queue_full' }),
      onDelivered: (n) => this.metrics.eventsDelivered.inc({ channel: 'long-poll' }, n),
      onPollOpen: (open) => (open ? this.metrics.longPollsOpen.inc() : this.metrics.longPollsOpen.dec()),
    });
    this.byKey.set(key, channel);
    this.releaseHeld(key, channel);
    return channel;
  }

  /** Sets or replaces the callback; pending events stay queued for the new URL. */
  setWebhook(key: string, target: WebhookTarget): void {
    const existing = this.byKey.get(key);
    if (existing instanceof WebhookChannel) {
      existing.target = target;
      return;
    }
    if (existing) throw conflict('long-poll');
    const channel: WebhookChannel = new WebhookChannel({
      target,
      queueSize: this.config.channel.queueSize,
      maxBatch: this.config.channel.maxBatch,
      timing: this.config.webhook,
      log: this.log,
      onDrop: () => this.metrics.eventsDropped.inc({ reason: 'queue_full' }),
      onFailure: () => this.metrics.webhookFailures.inc(),
      onDelivered: (n) => this.metrics.eventsDelivered.inc({ channel: 'webhook' }, n),
      onRemoved: (undelivered) => {
        this.metrics.eventsDropped.inc({ reason: 'webhook_removed' }, undelivered);
        if (this.byKey.get(key) === channel) this.byKey.delete(key);
      },
    });
    this.byKey.set(key, channel);
    this.releaseHeld(key, channel);
  }

  private releaseHeld(key: string, channel: Channel): void {
    const held = this.held.get(key);
    this.held.delete(key);
    for (const event of held?.take(held.length) ?? []) channel.push(event);
  }

  /** Deletes the key's channel of the given type; false when there is none. */
  delete(key: string, type: Channel['type']): boolean {
    const existing = this.byKey.get(key);
    if (!existing || existing.type !== type) return false;
    existing.delete();
    this.byKey.delete(key);
    return true;
  }

  publish(key: string, event: ChannelEvent): void {
    const channel = this.byKey.get(key);
    if (!channel && event.kind === 'async-responses') {
      this.metrics.events.inc({ kind: event.kind });
      let held = this.held.get(key);
      if (!held) {
        held = new EventQueue(this.config.channel.queueSize, () =>
          this.metrics.eventsDropped.inc({ reason: 'queue_full' }),
        );
        this.held.set(key, held);
      }
      held.push(event);
      return;
    }
    if (!channel) {
      this.metrics.eventsDropped.inc({ reason: 'no_channel' });
      return;
    }
    this.metrics.events.inc({ kind: event.kind });
    channel.push(event);
  }

  /** Device lifecycle events go to every channel. */
  publishAll(event: ChannelEvent): void {
    for (const key of this.byKey.keys()) this.publish(key, event);
  }

  /** Deletes long-poll channels nobody polled for `expiryMs`; returns how many. */
  expireIdle(now: number, expiryMs: number): number {
    let expired = 0;
    for (const [key, channel] of this.byKey) {
      if (channel instanceof LongPollChannel && channel.idleSince(now, expiryMs)) {
        this.log.info({ queued: channel.queued }, 'long-poll channel expired: not polled');
        this.delete(key, 'long-poll');
        expired++;
      }
    }
    return expired;
  }

  closeAll(): void {
    for (const channel of this.byKey.values()) channel.delete();
    this.byKey.clear();
    this.held.clear();
  }
}

function conflict(existing: string): ApiError {
  return new ApiError(
    400,
    `a ${existing} notification channel already exists for this API key; delete it first`,
    {
      reason: 'channel_type_conflict',
    },
  );
}
