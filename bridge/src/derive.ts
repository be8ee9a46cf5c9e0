// Turns successive item counts of one shelf into interactions. The rules
// (documented in bridge/README.md):
// - the first count seen for a device is a baseline: a product_count point, no event;
// - a decrease is a pick-up of that many items;
// - an increase is a restock when it fills the shelf to capacity from below the
//   restock threshold, or when it is at least `restockMinItems` (more than one
//   shopper puts back at once); otherwise it is a put-back;
// - order comes from the CoAP Observe sequence number when the notification
//   carries one, else from the time; an older observation than the last one is
//   late: its count is kept as a sample, but no event is derived from it (the
//   net change is already in the event derived from the newer one);
// - the same sequence number again, or the same time and count again, is a duplicate;
// - an unchanged count is not written again.
import type { ShelfEventKind } from '@shelfpulse/core/measurements';

export interface Observation {
  deviceId: string;
  count: number;
  /** Microseconds since the epoch: when the change happened (or was received). */
  timeUs: number;
  /** CoAP Observe sequence number (24 bits), when known. */
  seq?: number | undefined;
}

export interface ShelfLimits {
  capacity?: number | undefined;
  restockThreshold?: number | undefined;
}

export interface DeriveRules {
  restockMinItems: number;
}

export type Outcome = 'baseline' | 'changed' | 'unchanged' | 'duplicate' | 'late';

export interface Derivation {
  outcome: Outcome;
  /** Write a product_count point at this time (unique per device), if set. */
  countTimeUs?: number | undefined;
  event?: { kind: ShelfEventKind; items: number } | undefined;
}

export interface DeviceState {
  count: number;
  timeUs: number;
  /** Last time assigned to a point of this device, to keep timestamps unique. */
  lastPointUs: number;
  seq?: number | undefined;
}

const half = 1 << 23;
// RFC 7641 §3.4: after 128 s a notification is fresh whatever its number says
// (the device may have rebooted and restarted its sequence).
const seqValidityUs = 128_000_000;

/** True when sequence number `next` is newer than `last` (RFC 7641 §3.4). */
export function seqNewer(last: number, next: number): boolean {
  return (last < next && next - last < half) || (last > next && last - next > half);
}

export function classifyIncrease(
  prev: number,
  next: number,
  limits: ShelfLimits,
  rules: DeriveRules,
): ShelfEventKind {
  const delta = next - prev;
  const { capacity } = limits;
  if (capacity !== undefined && next >= capacity && prev < (limits.restockThreshold ?? capacity))
    return 'restock';
  return delta >= rules.restockMinItems ? 'restock' : 'putback';
}

export class Deriver {
  private readonly devices = new Map<string, DeviceState>();
  private readonly rules: DeriveRules;

  constructor(rules: DeriveRules) {
    this.rules = rules;
  }

  observe(obs: Observation, limits: ShelfLimits): Derivation {
    const last = this.devices.get(obs.deviceId);
    if (!last) {
      const state = { count: obs.count, timeUs: obs.timeUs, lastPointUs: obs.timeUs, seq: obs.seq };
      this.devices.set(obs.deviceId, state);
      return { outcome: 'baseline', countTimeUs: obs.timeUs };
    }
    const order = this.order(last, obs);
    if (order === 'duplicate') return { outcome: 'duplicate' };
    if (order === 'late') {
      if (obs.count === last.count) return { outcome: 'duplicate' };
      return { outcome: 'late', countTimeUs: obs.timeUs };
    }
    const prev = last.count;
    last.seq = obs.seq;
    last.timeUs = Math.max(obs.timeUs, last.timeUs);
    if (obs.count === prev) return { outcome: 'unchanged' };
    last.count = obs.count;
    // Two points of one series at the same time would overwrite each other.
    const at = Math.max(obs.timeUs, last.lastPointUs + 1);
    last.lastPointUs = at;
    const delta = obs.count - prev;
    const event =
      delta < 0
        ? { kind: 'pickup' as const, items: -delta }
        : { kind: classifyIncrease(prev, obs.count, limits, this.rules), items: delta };
    return { outcome: 'changed', countTimeUs: at, event };
  }

  private order(last: DeviceState, obs: Observation): 'newer' | 'duplicate' | 'late' {
    if (obs.seq !== undefined && last.seq !== undefined && obs.timeUs - last.timeUs < seqValidityUs) {
      if (obs.seq === last.seq) return obs.count === last.count ? 'duplicate' : 'newer';
      return seqNewer(last.seq, obs.seq) ? 'newer' : 'late';
    }
    if (obs.timeUs < last.timeUs) return 'late';
    if (obs.timeUs === last.timeUs && obs.count === last.count) return 'duplicate';
    return 'newer';
  }

  /** The state of every device, for the spool's snapshot. */
  snapshot(): Record<string, DeviceState> {
    return Object.fromEntries([...this.devices].map(([id, s]) => [id, { ...s }]));
  }

  snapshotOf(deviceId: string): DeviceState | undefined {
    const state = this.devices.get(deviceId);
    return state ? { ...state } : undefined;
  }

  restore(states: Record<string, DeviceState>): void {
    for (const [id, state] of Object.entries(states)) this.devices.set(id, { ...state });
  }

  /** Adds states for devices not known yet, or known only from an older point. */
  seed(states: Record<string, DeviceState>): number {
    let added = 0;
    for (const [id, state] of Object.entries(states)) {
      const known = this.devices.get(id);
      if (known && known.timeUs >= state.timeUs) continue;
      this.devices.set(id, { ...state });
      added++;
    }
    return added;
  }

  get size(): number {
    return this.devices.size;
  }
}
