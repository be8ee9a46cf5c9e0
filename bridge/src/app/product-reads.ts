// Product ids read through the device cloud for shelves whose notifications
// have not carried one yet: at most one read per device per cooldown, so a
// shelf that never answers costs one read a minute, not one per batch.
import type { DeviceCloudClient } from '../cloud.ts';

type ProductIdSource = Pick<DeviceCloudClient, 'readProductId'>;

export class ProductIdReads {
  private readonly cloud: ProductIdSource;
  private readonly cooldownMs: number;
  /** When each device was last asked. */
  private readonly askedAt = new Map<string, number>();

  constructor(cloud: ProductIdSource, cooldownMs = 60_000) {
    this.cloud = cloud;
    this.cooldownMs = cooldownMs;
  }

  /** The device's product id, or undefined at once when it was asked too recently. */
  read(deviceId: string, nowMs = Date.now()): Promise<string | undefined> | undefined {
    if (nowMs - (this.askedAt.get(deviceId) ?? 0) < this.cooldownMs) return undefined;
    this.askedAt.set(deviceId, nowMs);
    return this.cloud.readProductId(deviceId);
  }
}
