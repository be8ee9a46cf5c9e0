// Long-poll mode: only the active replica pulls; a replica that stops leading
// lets its open pull finish and stops. The channel is never deleted, so the
// next holder finds everything queued meanwhile.
import type { Logger } from 'pino';
import type { Bridge } from '../bridge.ts';
import type { DeviceCloudClient } from '../cloud.ts';
import type { Credential } from '../credential.ts';
import { LongPollIntake } from '../long-poll.ts';
import type { BridgeMetrics } from '../metrics.ts';
import type { NotificationChannel } from './notification-channel.ts';

export interface LongPollChannelOptions {
  bridge: Bridge;
  cloud: DeviceCloudClient;
  apiUrl: string;
  /** Each pull uses the key as it is now: a rotated key takes effect at the next pull. */
  apiKey: Credential;
  metrics: BridgeMetrics;
  log: Logger;
}

export class LongPollChannel implements NotificationChannel {
  private readonly options: LongPollChannelOptions;
  private intake: LongPollIntake | undefined;
  private closed = false;

  constructor(options: LongPollChannelOptions) {
    this.options = options;
  }

  get ready(): boolean {
    return this.intake !== undefined;
  }

  async open(): Promise<void> {}

  async resume(): Promise<void> {
    if (this.closed || this.intake) return;
    const { bridge, cloud, apiUrl, apiKey, metrics, log } = this.options;
    this.intake = new LongPollIntake({
      bridge,
      apiUrl,
      apiKey,
      metrics,
      log,
      onMessage: (message) => cloud.inject(message),
    });
    this.intake.start();
  }

  async pause(): Promise<void> {
    const intake = this.intake;
    this.intake = undefined;
    await intake?.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pause();
  }
}
