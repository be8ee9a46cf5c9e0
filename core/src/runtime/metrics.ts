// The operator's Prometheus metrics, on a Registry the operator owns.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileDuration = new Histogram({
    name: 'shelfpulse_operator_reconcile_duration_seconds',
    help: 'Time one reconcile took, by controller and result.',
    labelNames: ['controller', 'result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'shelfpulse_operator_reconcile_errors_total',
    help: 'Failed reconciles, by controller and reason.',
    labelNames: ['controller', 'reason'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'shelfpulse_operator_workqueue_depth',
    help: 'Keys waiting in the work queue, by controller.',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'shelfpulse_operator_watch_restarts_total',
    help: 'Watches started again, by resource and cause (closed, silent, gone, error).',
    labelNames: ['resource', 'cause'],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'shelfpulse_operator_leader',
    help: '1 while this process holds the leader lease.',
    registers: [this.registry],
  });

  constructor(processMetrics = true) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'shelfpulse_operator_' });
  }
}
