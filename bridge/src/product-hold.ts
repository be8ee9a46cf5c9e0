// A shelf's counts wait here until its product id is known, so that its first
// points carry the product_id tag instead of forming an unnamed series. The
// product id arrives as a notification (when the cloud observes it) or as the
// answer to a read the bridge sends; both come through the notification
// channel, which delivers the next batch only once this one is acknowledged,
// so a batch cannot wait for it. The counts are therefore taken out of their
// batch and held, for at most `waitMs`, then derived as a batch of their own:
// with their product when it came, without it when it did not. Their batch is
// acknowledged meanwhile and they are not in the spool: a crash during the wait
// loses them (at most `waitMs` of a new shelf's first counts); a close writes them.
import { ITEM_COUNT_PATH, PRODUCT_ID_PATH, type NotificationMessage } from './notification.ts';

interface Held {
  sinceMs: number;
  notifications: Record<string, unknown>[];
}

export interface ProductHoldOptions {
  /** Is this device's product id known (or is it of no fleet, so nothing to wait for)? */
  settled: (deviceId: string) => boolean;
  /** Starts finding the product id (a read through the device cloud). */
  request: (deviceId: string) => void;
  waitMs: number;
  /** Bound on held notifications; beyond it counts pass untagged rather than use memory. */
  maxHeld: number;
}

export class ProductHold {
  private readonly held = new Map<string, Held>();
  private readonly options: ProductHoldOptions;
  private count = 0;

  constructor(options: ProductHoldOptions) {
    this.options = options;
  }

  get size(): number {
    return this.count;
  }

  /**
   * The batch without the counts of devices whose product id is unknown (those
   * are held). Counts of a device already held are held too, to keep its order.
   * Held counts keep their arrival time as their timestamp.
   */
  take(message: NotificationMessage, receivedMs: number): NotificationMessage {
    const raw = message.notifications;
    if (!raw || raw.length === 0) return message;
    const productsInBatch = new Set<string>();
    for (const n of raw) {
      const note = n as { ep?: unknown; path?: unknown } | null;
      if (note?.path === PRODUCT_ID_PATH && typeof note.ep === 'string') productsInBatch.add(note.ep);
    }
    let kept: unknown[] | undefined;
    for (let i = 0; i < raw.length; i++) {
      const note = raw[i] as { ep?: unknown; path?: unknown; timestamp?: unknown } | null;
      const ep = note?.ep;
      const hold =
        note?.path === ITEM_COUNT_PATH &&
        typeof ep === 'string' &&
        (this.held.has(ep) ||
          (!productsInBatch.has(ep) && this.count < this.options.maxHeld && !this.options.settled(ep)));
      if (!hold) {
        kept?.push(note);
        continue;
      }
      kept ??= raw.slice(0, i);
      let entry = this.held.get(ep);
      if (!entry) {
        this.held.set(ep, (entry = { sinceMs: receivedMs, notifications: [] }));
        this.options.request(ep);
      }
      entry.notifications.push({ ...note, timestamp: note.timestamp ?? receivedMs });
      this.count++;
    }
    return kept ? { ...message, notifications: kept } : message;
  }

  /** Held counts whose product id is now known or whose wait is over (all of them with `all`). */
  due(nowMs: number, all = false): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const [deviceId, entry] of this.held) {
      if (!all && nowMs - entry.sinceMs < this.options.waitMs && !this.options.settled(deviceId)) continue;
      this.held.delete(deviceId);
      this.count -= entry.notifications.length;
      out.push(...entry.notifications);
    }
    return out;
  }
}
