// A load source for the bridge's tests: shelves whose counts change by known
// interactions, delivered the way the device cloud delivers webhooks (one
// batch at a time, the next only after a 2xx, retried until it gets one).
import { backoffCeiling } from '@shelfpulse/core/runtime/backoff';

export interface Truth {
  counts: number;
  pickup: { events: number; items: number };
  putback: { events: number; items: number };
  restock: { events: number; items: number };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export class ShelfLoad {
  readonly truth: Truth = {
    counts: 0,
    pickup: { events: 0, items: 0 },
    putback: { events: 0, items: 0 },
    restock: { events: 0, items: 0 },
  };
  private readonly counts: number[];
  private readonly prefix: string;
  private seed: number;
  private readonly capacity = 24;
  private readonly threshold = 6;

  constructor(devices: number, prefix = 'shelf-', seed = 7) {
    this.counts = Array.from({ length: devices }, () => this.capacity);
    this.prefix = prefix;
    this.seed = seed;
  }

  private random(): number {
    // xorshift: deterministic, so a failing run can be replayed.
    this.seed ^= this.seed << 13;
    this.seed ^= this.seed >>> 17;
    this.seed ^= this.seed << 5;
    return ((this.seed >>> 0) % 1_000_000) / 1_000_000;
  }

  /** The first notification of every shelf: its full count (a baseline, no event). */
  baseline(): object[] {
    this.truth.counts += this.counts.length;
    return this.counts.map((c, i) => this.note(i, c));
  }

  /** `n` interactions on random shelves, one notification each. */
  batch(n: number): object[] {
    const notes: object[] = [];
    for (let k = 0; k < n; k++) {
      const i = Math.floor(this.random() * this.counts.length);
      const count = this.counts[i] as number;
      let next: number;
      let kind: 'pickup' | 'putback' | 'restock';
      if (count < this.threshold) {
        next = this.capacity;
        kind = 'restock';
      } else if (count < this.capacity && this.random() < 0.3) {
        next = Math.min(this.capacity, count + 1 + Math.floor(this.random() * 2));
        kind = 'putback';
      } else {
        next = count - 1 - Math.floor(this.random() * 3);
        kind = 'pickup';
      }
      const items = Math.abs(next - count);
      this.truth[kind].events++;
      this.truth[kind].items += items;
      this.truth.counts++;
      this.counts[i] = next;
      notes.push(this.note(i, next));
    }
    return notes;
  }

  private note(i: number, count: number): object {
    return {
      ep: `${this.prefix}${i}`,
      path: '/10341/0/26342',
      ct: 'text/plain',
      payload: b64(String(count)),
      'max-age': 60,
    };
  }
}

/** PUTs until a 2xx, like the device cloud; returns the number of attempts. */
export async function deliver(
  url: string,
  secret: string,
  message: object,
  signal?: AbortSignal,
): Promise<number> {
  const body = JSON.stringify(message);
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new Error('delivery aborted');
    try {
      const response = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-shelfpulse-secret': secret },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (response.ok) return attempt;
    } catch {
      // connection refused or timeout: the bridge is down or slow; try again
    }
    await new Promise((r) => setTimeout(r, backoffCeiling(attempt, 50, 1000)));
  }
}
