// The informers' metrics, on the Registry of the process that runs them and
// under its prefix: the operator and the bridge each export their own watches.
import { Counter, type Registry } from 'prom-client';

export class WatchMetrics {
  readonly restarts: Counter<'resource' | 'cause'>;

  /** `prefix` names the process, e.g. `shelfpulse_bridge_`. */
  constructor(registry: Registry, prefix: string) {
    this.restarts = new Counter({
      name: `${prefix}watch_restarts_total`,
      help: 'Watches started again, by resource and cause (closed, silent, gone, error).',
      labelNames: ['resource', 'cause'] as const,
      registers: [registry],
    });
  }
}
