// Every device the emulator has seen, registered or not. A device keeps its id
// across re-registrations, as in the real directory; the id is derived from the
// endpoint name so it is also stable across emulator restarts.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Link } from '../lwm2m/link-format.ts';

export interface Device {
  /** Device ID used by the Connect API (`ep` in notifications). */
  id: string;
  /** The endpoint name the client registered with (`original-ep`, `endpoint_name`). */
  endpointName: string;
  endpointType: string;
  state: 'registered' | 'deregistered';
  lifetimeSeconds: number;
  binding: string;
  lwm2mVersion: string;
  /** Location path segment of the registration (`/rd/{location}`); changes at each registration. */
  location: string;
  address: { host: string; port: number };
  links: Link[];
  createdAt: Date;
  /** Order of first registration, for stable listings when clocks tie. */
  createdSeq: number;
  updatedAt: Date;
  /** When the current lifetime started (registration or last update), ms since epoch. */
  refreshedAt: number;
}

export interface RegistryEvents {
  registered: [device: Device];
  updated: [device: Device];
  deregistered: [device: Device];
  expired: [device: Device];
}

export function deviceIdFor(endpointName: string): string {
  // 32 hex digits like a real device ID; the leading 0 matches the service's ids.
  return `0${createHash('sha256').update(`ep:${endpointName}`).digest('hex').slice(0, 31)}`;
}

export class DeviceRegistry extends EventEmitter<RegistryEvents> {
  private readonly byId = new Map<string, Device>();
  private readonly byLocation = new Map<string, Device>();
  private readonly idFor: (endpointName: string) => string;
  private seq = 0;
  private registered = 0;

  constructor(idFor: (endpointName: string) => string = deviceIdFor) {
    super();
    this.idFor = idFor;
  }

  get(id: string): Device | undefined {
    return this.byId.get(id);
  }

  getRegistered(id: string): Device | undefined {
    const device = this.byId.get(id);
    return device?.state === 'registered' ? device : undefined;
  }

  byLocationPath(location: string): Device | undefined {
    return this.byLocation.get(location);
  }

  /** Whether a registration with this endpoint name would add a device rather than renew one. */
  isNew(endpointName: string): boolean {
    return !this.byId.has(this.idFor(endpointName));
  }

  get size(): number {
    return this.byId.size;
  }

  all(): Device[] {
    return [...this.byId.values()];
  }

  registeredCount(): number {
    return this.registered;
  }

  /** A full registration: a new location, and everything about the device replaced. */
  register(input: {
    endpointName: string;
    endpointType: string;
    lifetimeSeconds: number;
    binding: string;
    lwm2mVersion: string;
    address: { host: string; port: number };
    links: Link[];
  }): Device {
    const id = this.idFor(input.endpointName);
    const previous = this.byId.get(id);
    if (previous) this.byLocation.delete(previous.location);
    if (previous?.state !== 'registered') this.registered++;
    const now = new Date();
    const device: Device = {
      ...input,
      id,
      state: 'registered',
      location: randomBytes(8).toString('hex'),
      createdAt: previous?.createdAt ?? now,
      createdSeq: previous?.createdSeq ?? this.seq++,
      updatedAt: now,
      refreshedAt: now.getTime(),
    };
    this.byId.set(id, device);
    this.byLocation.set(device.location, device);
    return device;
  }

  update(
    device: Device,
    change: {
      lifetimeSeconds?: number | undefined;
      binding?: string | undefined;
      links?: Link[] | undefined;
      address: { host: string; port: number };
    },
  ): void {
    if (change.lifetimeSeconds !== undefined) device.lifetimeSeconds = change.lifetimeSeconds;
    if (change.binding !== undefined) device.binding = change.binding;
    if (change.links !== undefined) device.links = change.links;
    device.address = change.address;
    device.updatedAt = new Date();
    device.refreshedAt = device.updatedAt.getTime();
  }

  deregister(device: Device): void {
    this.end(device);
  }

  /** Tells listeners about a change; the CoAP side calls it once its response is on the wire. */
  announce(event: 'registered' | 'updated' | 'deregistered', device: Device): void {
    this.emit(event, device);
  }

  /** Expires every registration whose lifetime (plus grace) has passed. */
  expire(now: number, graceMs: number): void {
    for (const device of this.byId.values()) {
      if (device.state !== 'registered') continue;
      if (now > device.refreshedAt + device.lifetimeSeconds * 1000 + graceMs) {
        this.end(device);
        this.emit('expired', device);
      }
    }
  }

  private end(device: Device): void {
    if (device.state === 'registered') this.registered--;
    device.state = 'deregistered';
    device.updatedAt = new Date();
    this.byLocation.delete(device.location);
  }
}
