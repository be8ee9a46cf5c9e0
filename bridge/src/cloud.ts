// The device cloud through the official mbed-cloud-sdk: registers the webhook
// and reads product ids. The SDK gets the async responses of its reads from
// the channel through us (ConnectApi.notify).
import { ConnectApi } from 'mbed-cloud-sdk';
import type { Logger } from 'pino';
import { PRODUCT_ID_PATH, type NotificationMessage } from './notification.ts';

export interface CloudOptions {
  apiUrl: string;
  apiKey: string;
  log: Logger;
  /** How long one product-id read may take. */
  readTimeoutMs?: number;
}

export class DeviceCloudClient {
  readonly connect: ConnectApi;
  private readonly options: CloudOptions;
  private readonly log: Logger;
  private readonly readTimeoutMs: number;
  private readonly reading = new Set<string>();

  constructor(options: CloudOptions) {
    this.options = options;
    this.log = options.log;
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.connect = this.newConnectApi();
  }

  private newConnectApi(): ConnectApi {
    // No autostart and no forceClear: never delete a channel someone else owns.
    return new ConnectApi({
      apiKey: this.options.apiKey,
      host: this.options.apiUrl.replace(/\/$/, ''),
      autostartNotifications: false,
      forceClear: false,
      skipCleanup: true,
    });
  }

  /** Registers (or re-registers, idempotently) the webhook with its secret header. */
  async registerWebhook(url: string, header: string, secret: string): Promise<void> {
    await this.connect.updateWebhook(url, { [header]: secret });
  }

  /** Hands a pulled or pushed batch to the SDK, so pending reads see their async responses. */
  inject(message: NotificationMessage): void {
    if (message['async-responses']?.length)
      this.connect.notify({ 'async-responses': message['async-responses'] } as never);
  }

  /** Reads a device's product id once at a time per device; undefined when it cannot. */
  async readProductId(deviceId: string): Promise<string | undefined> {
    if (this.reading.has(deviceId)) return undefined;
    this.reading.add(deviceId);
    try {
      // The answer arrives on the channel, which hands it to `inject`.
      const value = await this.connect.getResourceValue(
        deviceId,
        PRODUCT_ID_PATH,
        this.readTimeoutMs,
        'text/plain',
      );
      return value === undefined || value === null ? undefined : String(value);
    } catch (error) {
      this.log.debug({ device: deviceId, err: error }, 'product id read failed');
      return undefined;
    } finally {
      this.reading.delete(deviceId);
    }
  }
}
