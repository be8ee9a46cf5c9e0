// shelf-sim's prom-client registry, read from the runner's counters at scrape
// time (nothing on the hot path). Its own Registry, never the global one.
import { Counter, Gauge, Registry } from 'prom-client';
import type { RunnerStats } from './shelf-sim-runner.ts';

export function createShelfSimMetrics(stats: () => RunnerStats): Registry {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: 'shelfsim_shelves',
    help: 'Shelves simulated by this process.',
    registers,
    collect() {
      this.set(stats().shelves);
    },
  });
  new Gauge({
    name: 'shelfsim_shelves_registered',
    help: 'Shelves currently registered with the LwM2M server.',
    registers,
    collect() {
      this.set(stats().registered);
    },
  });
  // Totals live in the runner; counters are reset to them at scrape time.
  new Counter({
    name: 'shelfsim_events_total',
    help: 'Count changes produced by the shopper model, by kind (pickup, putback, restock).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      const { events } = stats();
      for (const [kind, n] of Object.entries(events)) this.inc({ kind }, n);
    },
  });
  new Counter({
    name: 'shelfsim_observed_items_total',
    help: 'Items moved by kind after the device cloud first observed the shelf: what a subscriber can see.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(stats().observedItems)) this.inc({ kind }, n);
    },
  });
  new Counter({
    name: 'shelfsim_notifications_total',
    help: 'Notifications acknowledged by the server.',
    registers,
    collect() {
      this.reset();
      this.inc(stats().notifications);
    },
  });
  new Counter({
    name: 'shelfsim_notifications_dropped_total',
    help: 'Notifications dropped because a shelf had too many waiting for acknowledgement.',
    registers,
    collect() {
      this.reset();
      this.inc(stats().droppedNotifications);
    },
  });
  new Counter({
    name: 'shelfsim_errors_total',
    help: 'Registration, update, notification and socket errors.',
    registers,
    collect() {
      this.reset();
      this.inc(stats().errors);
    },
  });
  return registry;
}
