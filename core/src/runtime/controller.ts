// Runs a reconcile function over a work queue with a few workers: success
// forgets the key's backoff (and honours requeueAfter), failure requeues it
// rate-limited. Errors are logged and counted, never thrown out of a worker.
import type { Logger } from 'pino';
import type { ControllerMetrics } from './controller-metrics.ts';
import { WorkQueue, type BackoffOptions } from './work-queue.ts';

export interface ReconcileResult {
  /** Reconcile again after this long even without a change (e.g. to poll an external system). */
  requeueAfterMs?: number;
}

/** An error with a reason for the errors-by-reason metric. */
export class ReconcileError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

export interface ControllerOptions {
  name: string;
  workers: number;
  backoff?: BackoffOptions;
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export class Controller {
  readonly queue: WorkQueue;
  private readonly options: ControllerOptions;
  private readonly log: Logger;
  private readonly metrics: ControllerMetrics;
  private workers: Promise<void>[] = [];

  constructor(options: ControllerOptions, log: Logger, metrics: ControllerMetrics) {
    this.options = options;
    this.log = log.child({ controller: options.name });
    this.metrics = metrics;
    this.queue = new WorkQueue(options.backoff, (depth) =>
      metrics.queueDepth.set({ controller: options.name }, depth),
    );
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    for (let i = 0; i < this.options.workers; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const end = this.metrics.reconcileDuration.startTimer({ controller: this.options.name });
      try {
        const result = await this.options.reconcile(key);
        end({ result: 'success' });
        this.queue.forget(key);
        if (result?.requeueAfterMs) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        end({ result: 'error' });
        const reason = error instanceof ReconcileError ? error.reason : errorReason(error);
        this.metrics.reconcileErrors.inc({ controller: this.options.name, reason });
        const retryInMs = this.queue.addRateLimited(key);
        this.log.warn({ key, reason, err: errorMessage(error), retryInMs }, 'reconcile failed');
      } finally {
        this.queue.done(key);
      }
    }
  }
}

function errorReason(error: unknown): string {
  const status = (error as { status?: number }).status;
  if (status === 403) return 'Forbidden';
  if (status === 409) return 'Conflict';
  if (status !== undefined) return `Http${status}`;
  return 'Error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
