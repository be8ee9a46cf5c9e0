// Whether this replica takes notifications (it holds the Lease, or runs
// without leader election), and what becoming active involves: every device's
// counts from InfluxDB, then every fleet's placements written afresh. While
// active, each placement change is written as it comes.
import type { Logger } from 'pino';
import type { Bridge } from '../bridge.ts';
import { PlacementHistory } from '../placement-history.ts';
import type { Router } from '../routing.ts';
import { loadDeviceCounts } from './device-counts.ts';

export class ActiveReplica {
  private readonly bridge: Bridge;
  private readonly router: Router;
  private readonly log: Logger;
  private readonly history = new PlacementHistory();
  private active = false;

  constructor(bridge: Bridge, router: Router, log: Logger) {
    this.bridge = bridge;
    this.router = router;
    this.log = log;
  }

  get isActive(): boolean {
    return this.active;
  }

  /**
   * Loads the device counts, then takes over; false (and still standing by)
   * when `signal` aborted meanwhile (leadership ended during the load).
   */
  async activate(signal?: AbortSignal): Promise<boolean> {
    await loadDeviceCounts(this.bridge, this.log);
    if (signal?.aborted) return false;
    this.active = true;
    this.history.reset();
    this.recordPlacements();
    return true;
  }

  deactivate(): void {
    this.active = false;
  }

  /** Writes every placement that changed since the sinks were last told (only while active). */
  recordPlacements(): void {
    if (!this.active || !this.router.routes) return;
    const { sinks } = this.bridge;
    this.bridge.writeOwn(this.history.changes(this.router.routes(), Date.now(), (sink) => sinks.has(sink)));
  }
}
