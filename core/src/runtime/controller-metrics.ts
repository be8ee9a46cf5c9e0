// The controllers' metrics (reconciles and work queues), on the Registry of
// the process that runs them and under its prefix.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class ControllerMetrics {
  readonly reconcileDuration: Histogram<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller' | 'reason'>;
  readonly queueDepth: Gauge<'controller'>;

  /** `prefix` names the process, e.g. `shelfpulse_operator_`. */
  constructor(registry: Registry, prefix: string) {
    this.reconcileDuration = new Histogram({
      name: `${prefix}reconcile_duration_seconds`,
      help: 'Time one reconcile took, by controller and result.',
      labelNames: ['controller', 'result'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.reconcileErrors = new Counter({
      name: `${prefix}reconcile_errors_total`,
      help: 'Failed reconciles, by controller and reason.',
      labelNames: ['controller', 'reason'] as const,
      registers: [registry],
    });
    this.queueDepth = new Gauge({
      name: `${prefix}workqueue_depth`,
      help: 'Keys waiting in the work queue, by controller.',
      labelNames: ['controller'] as const,
      registers: [registry],
    });
  }
}
