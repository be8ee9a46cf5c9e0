// Every fleet of one device-cloud account needs the account's registered
// devices; listing them once per fleet per poll would multiply API calls (and
// hit the hosted service's rate limits) by the number of fleets. This shares
// one listing among the fleets for a few seconds, and one request among
// concurrent callers.
import type { DeviceCloud, RegisteredDevice } from '@shelfpulse/core/device-cloud/device-cloud';

export function withSharedDeviceList(cloud: DeviceCloud, maxAgeMs: number): DeviceCloud {
  let cached: { at: number; devices: Promise<RegisteredDevice[]> } | undefined;
  const listRegisteredDevices = (): Promise<RegisteredDevice[]> => {
    if (cached && Date.now() - cached.at < maxAgeMs) return cached.devices;
    const entry = { at: Date.now(), devices: cloud.listRegisteredDevices() };
    cached = entry;
    // A failed listing is not shared beyond the callers already waiting for it.
    entry.devices.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.devices;
  };
  return {
    listPresubscriptions: () => cloud.listPresubscriptions(),
    updatePresubscriptions: (entries) => cloud.updatePresubscriptions(entries),
    listRegisteredDevices,
    subscribe: (id, path) => cloud.subscribe(id, path),
    unsubscribe: (id, path) => cloud.unsubscribe(id, path),
  };
}
