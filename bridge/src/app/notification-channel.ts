// The device cloud keeps one notification channel per API key: a webhook the
// cloud PUTs to (registered by every replica alike) or a long poll (pulled by
// the active replica only). Readiness (/readyz) includes that the channel is there.
import type { Logger } from 'pino';
import type { Bridge } from '../bridge.ts';
import type { BridgeCredentials } from '../bridge-credentials.ts';
import type { DeviceCloudClient } from '../cloud.ts';
import type { BridgeConfig } from '../config.ts';
import type { BridgeMetrics } from '../metrics.ts';
import { LongPollChannel } from './long-poll-channel.ts';
import { WebhookChannel } from './webhook-channel.ts';

export interface NotificationChannel {
  /** Notifications can reach this replica through the channel. */
  readonly ready: boolean;
  /** Sets the channel up at start (the webhook's registration). */
  open(): Promise<void>;
  /** This replica starts taking notifications: it became active. */
  resume(): Promise<void>;
  /** It stops taking them: it no longer leads. */
  pause(): Promise<void>;
  /** For good: the bridge shuts down. */
  close(): Promise<void>;
}

export interface ChannelParts {
  bridge: Bridge;
  cloud: DeviceCloudClient | undefined;
  credentials: BridgeCredentials;
  metrics: BridgeMetrics;
  log: Logger;
}

export function notificationChannel(config: BridgeConfig, parts: ChannelParts): NotificationChannel {
  const { credentials } = parts;
  if (config.mode === 'webhook')
    return new WebhookChannel(config.webhook, credentials.webhookSecret, parts.cloud, parts.log);
  // The configuration's schema requires the cloud in long-poll mode.
  if (!config.cloud || !parts.cloud || !credentials.apiKey)
    throw new Error('long-poll mode needs cloud.apiUrl and cloud.apiKey');
  return new LongPollChannel({
    ...parts,
    cloud: parts.cloud,
    apiUrl: config.cloud.apiUrl,
    apiKey: credentials.apiKey,
  });
}
