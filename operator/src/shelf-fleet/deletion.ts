// A ShelfFleet being deleted: its finalizer removes the fleet's subscriptions
// from the device cloud first. While that fails (the cloud is down, the key is
// refused) the deletion waits, and the status says so and how to get out:
// the annotation below deletes the fleet without the clean-up.
import type { Condition } from '@shelfpulse/core/api/condition';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { setConditions, type ConditionInput } from '@shelfpulse/core/runtime/conditions';

export const skipCloudCleanupAnnotation = 'shelfpulse.io/skip-cloud-cleanup';

/** The user asked to delete the fleet without removing its device-cloud subscriptions. */
export function skipsCloudCleanup(fleet: ShelfFleet): boolean {
  return fleet.metadata.annotations?.[skipCloudCleanupAnnotation] === 'true';
}

export function cleanupBlockedMessage(cause: string): string {
  return (
    `deletion waits for the device cloud: removing the fleet's subscriptions failed (${cause}); ` +
    `it is retried with backoff. To delete the fleet without this clean-up, annotate it ` +
    `${skipCloudCleanupAnnotation}=true (its subscriptions then stay at the device cloud)`
  );
}

/**
 * The conditions of a fleet whose deletion is blocked: Ready=False and
 * Deleting=True, both with the reason; the other conditions stay as they were.
 */
export function cleanupBlockedConditions(
  previous: Condition[] | undefined,
  cause: string,
  generation: number | undefined,
  now = new Date(),
): Condition[] {
  const message = cleanupBlockedMessage(cause);
  const blocked: ConditionInput[] = [
    { type: 'Ready', status: 'False', reason: 'CleanupBlocked', message },
    { type: 'Deleting', status: 'True', reason: 'CleanupBlocked', message },
  ];
  const kept = (previous ?? []).filter((c) => !blocked.some((b) => b.type === c.type));
  return [...setConditions(previous, blocked, generation, now), ...kept];
}
