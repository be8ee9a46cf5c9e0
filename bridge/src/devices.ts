// Device id → endpoint name and type. Notifications carry only the cloud's
// device id (`ep`); fleets select devices by endpoint name prefix and type.
// Learnt from registrations on the channel, and from the device directory for
// devices that registered before this process started.
import type { RegisteredDevice } from '@shelfpulse/core/device-cloud/device-cloud';
import type { NotificationMessage } from './notification.ts';

export interface DeviceIdentity {
  id: string;
  endpointName?: string | undefined;
  endpointType?: string | undefined;
}

export interface DeviceDirectoryOptions {
  /** Lists registered devices (mbed-cloud-sdk); without it, ids are names. */
  list?: () => Promise<RegisteredDevice[]>;
  /** Do not list again sooner than this after a listing. */
  refreshMinMs?: number;
}

export class DeviceDirectory {
  private readonly known = new Map<string, DeviceIdentity>();
  private readonly options: DeviceDirectoryOptions;
  private lastList = 0;
  private listing: Promise<void> | undefined;

  constructor(options: DeviceDirectoryOptions = {}) {
    this.options = options;
  }

  get resolves(): boolean {
    return this.options.list !== undefined;
  }

  identity(id: string): DeviceIdentity {
    return this.known.get(id) ?? (this.options.list ? { id } : { id, endpointName: id });
  }

  isKnown(id: string): boolean {
    return this.known.has(id);
  }

  set(identity: DeviceIdentity): void {
    this.known.set(identity.id, identity);
  }

  /** Registrations and their updates name the device. */
  learn(message: NotificationMessage): void {
    for (const entry of [...(message.registrations ?? []), ...(message['reg-updates'] ?? [])]) {
      if (!entry.ep) continue;
      const name = typeof entry['original-ep'] === 'string' ? entry['original-ep'] : undefined;
      this.known.set(entry.ep, { id: entry.ep, endpointName: name ?? entry.ep, endpointType: entry.ept });
    }
  }

  /** Lists the directory when some of `ids` are unknown, at most once per refreshMinMs. */
  async resolve(ids: Iterable<string>): Promise<void> {
    const list = this.options.list;
    if (!list) return;
    let unknown = false;
    for (const id of ids) if (!this.known.has(id)) unknown = true;
    if (!unknown) return;
    if (!this.listing && Date.now() - this.lastList >= (this.options.refreshMinMs ?? 5_000)) {
      this.listing = list()
        .then((devices) => {
          for (const d of devices)
            this.known.set(d.id, { id: d.id, endpointName: d.endpointName, endpointType: d.endpointType });
        })
        .finally(() => {
          this.lastList = Date.now();
          this.listing = undefined;
        });
    }
    await this.listing?.catch(() => undefined);
  }
}
