// One test node per machine: the kubelet and containerd use some fixed host
// paths (see host-cleanup.ts), so a second node at the same time would share
// them. The lock names its owner; a dead owner's node is cleaned up first.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAlive } from '../process-alive.ts';

const lockFile = '/run/shelfpulse-test-node.lock';

/** Takes the lock; returns true when a dead owner's node may have left things behind. */
export function acquireNodeLock(): boolean {
  let previous: number | undefined;
  try {
    previous = Number(readFileSync(lockFile, 'utf8'));
  } catch {
    // No lock: nobody had a node here since the last clean stop (or ever).
  }
  if (previous && previous !== process.pid && isAlive(previous)) {
    throw new Error(
      `another test node is running here (process ${previous}, ${lockFile}); one real node per machine`,
    );
  }
  writeFileSync(lockFile, String(process.pid));
  return previous !== undefined;
}

export function releaseNodeLock(): void {
  rmSync(lockFile, { force: true });
}
