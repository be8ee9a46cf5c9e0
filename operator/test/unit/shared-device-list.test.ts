// Fleets of one device cloud share its device listing for a while.
import { describe, expect, it } from 'vitest';
import type { DeviceCloud, RegisteredDevice } from '@shelfpulse/core/device-cloud/device-cloud';
import { withSharedDeviceList } from '../../src/device-cloud/shared-device-list.ts';

function countingCloud(result: () => Promise<RegisteredDevice[]>): {
  cloud: DeviceCloud;
  calls: () => number;
} {
  let calls = 0;
  const unused = () => Promise.reject(new Error('not used here'));
  return {
    calls: () => calls,
    cloud: {
      listRegisteredDevices: () => {
        calls++;
        return result();
      },
      listPresubscriptions: unused,
      updatePresubscriptions: unused,
      subscribe: unused,
      unsubscribe: unused,
    },
  };
}

describe('withSharedDeviceList', () => {
  it('lists once for concurrent and recent callers, and again once the listing is old', async () => {
    const { cloud, calls } = countingCloud(async () => [{ id: '1', endpointName: 'a-0' }]);
    const shared = withSharedDeviceList(cloud, 100);
    const [a, b] = await Promise.all([shared.listRegisteredDevices(), shared.listRegisteredDevices()]);
    await shared.listRegisteredDevices();
    expect(a).toBe(b);
    expect(calls()).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    await shared.listRegisteredDevices();
    expect(calls()).toBe(2);
  });

  it('does not keep a failed listing', async () => {
    let fail = true;
    const { cloud, calls } = countingCloud(async () => {
      if (fail) throw new Error('unreachable');
      return [];
    });
    const shared = withSharedDeviceList(cloud, 60_000);
    await expect(shared.listRegisteredDevices()).rejects.toThrow('unreachable');
    fail = false;
    await expect(shared.listRegisteredDevices()).resolves.toEqual([]);
    expect(calls()).toBe(2);
  });
});
