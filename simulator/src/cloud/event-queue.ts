// A bounded FIFO of channel events: when full, the oldest event is dropped and
// counted, so a slow or dead consumer costs memory up to a fixed bound only.
import type { ChannelEvent } from './notification-message.ts';

export class EventQueue {
  private items: ChannelEvent[] = [];
  private head = 0;
  private readonly capacity: number;
  private readonly onDrop: (event: ChannelEvent) => void;

  constructor(capacity: number, onDrop: (event: ChannelEvent) => void) {
    this.capacity = capacity;
    this.onDrop = onDrop;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(event: ChannelEvent): void {
    if (this.length >= this.capacity) {
      const dropped = this.items[this.head]!;
      this.head++;
      this.onDrop(dropped);
    }
    this.items.push(event);
    this.compact();
  }

  /** Removes and returns up to `max` events from the front. */
  take(max: number): ChannelEvent[] {
    const batch = this.items.slice(this.head, this.head + max);
    this.head += batch.length;
    this.compact();
    return batch;
  }

  private compact(): void {
    // Amortised O(1): copy only when the consumed prefix dominates.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
