// The device cloud through the official mbed-cloud-sdk: registers the webhook,
// lists devices and reads product ids. The SDK gets the async responses of its
// reads from the channel through us (ConnectApi.notify). The SDK fixes the API
// key when a client is made, so a rotated key (credential.ts) gets new clients
// at the next request; the previous ConnectApi still gets the async responses
// of the reads it has in flight.
import { ConnectApi } from 'mbed-cloud-sdk';
import type { Logger } from 'pino';
import { MbedSdkDeviceCloud } from '@shelfpulse/core/device-cloud/mbed-sdk-device-cloud';
import type { RegisteredDevice } from '@shelfpulse/core/device-cloud/device-cloud';
import type { Credential } from './credential.ts';
import { PRODUCT_ID_PATH, type NotificationMessage } from './notification.ts';

export interface CloudOptions {
  apiUrl: string;
  apiKey: Credential;
  log: Logger;
  /** How long one product-id read may take. */
  readTimeoutMs?: number;
}

interface Clients {
  key: string;
  connect: ConnectApi;
  devices: MbedSdkDeviceCloud;
}

export class DeviceCloudClient {
  private readonly options: CloudOptions;
  private readonly log: Logger;
  private readonly readTimeoutMs: number;
  private readonly reading = new Set<string>();
  private clients: Clients;
  private retired: ConnectApi | undefined;

  constructor(options: CloudOptions) {
    this.options = options;
    this.log = options.log;
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.clients = this.newClients(options.apiKey.current());
  }

  private newClients(key: string): Clients {
    const apiUrl = this.options.apiUrl.replace(/\/$/, '');
    return {
      key,
      // No autostart and no forceClear: never delete a channel someone else owns.
      connect: new ConnectApi({
        apiKey: key,
        host: apiUrl,
        autostartNotifications: false,
        forceClear: false,
        skipCleanup: true,
      }),
      devices: new MbedSdkDeviceCloud({ apiUrl, apiKey: key }),
    };
  }

  /** The clients for the key as it is now. */
  private current(): Clients {
    const key = this.options.apiKey.current();
    if (key !== this.clients.key) {
      this.retired = this.clients.connect;
      this.clients = this.newClients(key);
    }
    return this.clients;
  }

  /** Runs `call`; refused for the key, runs it once more if the key file changed meanwhile. */
  private async withKey<T>(call: (clients: Clients) => Promise<T>): Promise<T> {
    try {
      return await call(this.current());
    } catch (error) {
      if (!this.options.apiKey.refresh()) throw error;
      this.log.info('API key rotated; trying again with the new key');
      return call(this.current());
    }
  }

  /** Registers (or re-registers, idempotently) the webhook with its secret header. */
  async registerWebhook(url: string, header: string, secret: string): Promise<void> {
    await this.withKey((c) => c.connect.updateWebhook(url, { [header]: secret }));
  }

  listRegisteredDevices(): Promise<RegisteredDevice[]> {
    return this.withKey((c) => c.devices.listRegisteredDevices());
  }

  /** Hands a pulled or pushed batch to the SDK, so pending reads see their async responses. */
  inject(message: NotificationMessage): void {
    if (!message['async-responses']?.length) return;
    for (const connect of [this.clients.connect, this.retired])
      connect?.notify({ 'async-responses': message['async-responses'] } as never);
  }

  /** Reads a device's product id once at a time per device; undefined when it cannot. */
  async readProductId(deviceId: string): Promise<string | undefined> {
    if (this.reading.has(deviceId)) return undefined;
    this.reading.add(deviceId);
    try {
      // The answer arrives on the channel, which hands it to `inject`.
      const value = await this.current().connect.getResourceValue(
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
