// When the operator looks at a fleet again, after its steps ran:
// - a transient failure (one with a cause: the API server or the device cloud
//   failed) is retried with backoff, the workload's before the device cloud's;
//   the controller counts it under its reason;
// - otherwise, all well or a configuration problem that waits for a change
//   (the fleet, its sinks and its children are watched), the fleet is looked
//   at again after the subscription resync period: devices register at the
//   device cloud without telling the operator.
// An invalid spec and a finished deletion wait for the next change only.
import { ReconcileError, errorMessage, type ReconcileResult } from '@shelfpulse/core/runtime/controller';
import type { Failure, FleetObservation } from './status.ts';

export function nextLook(o: FleetObservation, resyncMs: number): ReconcileError | ReconcileResult {
  const transient = [o.simulatorError, o.subscriptions.ok ? undefined : o.subscriptions].find(
    (f): f is Failure => f?.cause !== undefined,
  );
  if (transient) {
    return new ReconcileError(transient.reason, errorMessage(transient.cause), { cause: transient.cause });
  }
  return { requeueAfterMs: resyncMs };
}
