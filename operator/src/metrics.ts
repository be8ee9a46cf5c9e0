// The operator's Prometheus metrics, on a Registry the operator owns: its
// watches, its controllers and whether it leads.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ControllerMetrics } from '@shelfpulse/core/runtime/controller-metrics';
import { WatchMetrics } from '@shelfpulse/core/runtime/watch-metrics';

const prefix = 'shelfpulse_operator_';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly watch = new WatchMetrics(this.registry, prefix);
  readonly controllers = new ControllerMetrics(this.registry, prefix);
  readonly leader = new Gauge({
    name: `${prefix}leader`,
    help: '1 while this process holds the leader lease.',
    registers: [this.registry],
  });

  constructor(processMetrics = true) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix });
  }
}
