// Ground truth as a subscriber sees it: a shelf's changes count only from the
// moment the device cloud observes its item count (earlier ones are never
// notified). Tests and benchmarks score the bridge against this.
import type { SimulatorConfig } from '@shelfpulse/core/api/simulator-config';
import type { GroundTruthRecord } from './ground-truth.ts';
import { ShelfSimRunner, type RunnerOptions } from './shelf-sim-runner.ts';

import { SHELF_OBJECT, ITEM_COUNT } from './shelf-objects.ts';

const countPath = `/${SHELF_OBJECT}/0/${ITEM_COUNT}`;

export interface ObservedRun {
  runner: ShelfSimRunner;
  /** Endpoints whose item count the cloud observes. */
  observed: Set<string>;
  /** Interactions after each shelf's first observation, in order. */
  truth: GroundTruthRecord[];
}

/** A runner whose ground truth starts, per shelf, when the cloud first observes its count. */
export function observedRun(
  config: SimulatorConfig,
  options: RunnerOptions = {},
  onFirstObserved?: (index: number, endpoint: string) => void,
): ObservedRun {
  const observed = new Set<string>();
  const truth: GroundTruthRecord[] = [];
  const runner = new ShelfSimRunner(config, {
    ...options,
    onEvent: (record) => {
      if (observed.has(record.endpoint)) truth.push(record);
      options.onEvent?.(record);
    },
  });
  runner.endpoints.forEach((endpoint, i) =>
    runner.client(i)?.on('observed', (path: string) => {
      if (path !== countPath || observed.has(endpoint)) return;
      observed.add(endpoint);
      onFirstObserved?.(i, endpoint);
    }),
  );
  return { runner, observed, truth };
}
