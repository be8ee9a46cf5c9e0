// The two ways the API refuses a device: unknown (404), or known but not
// connected (502 where a request must reach the device, 404 elsewhere).
import { ApiError } from './api-error.ts';
import type { Device, DeviceRegistry } from './device-registry.ts';

export function registeredDevice(registry: DeviceRegistry, id: string): Device {
  const device = registry.getRegistered(id);
  if (!device) throw new ApiError(404, `device ${id} is not registered`);
  return device;
}

export function connectedDevice(registry: DeviceRegistry, id: string): Device {
  const device = registry.get(id);
  if (!device) throw new ApiError(404, `device ${id} not found`);
  if (device.state !== 'registered') throw new ApiError(502, `device ${id} is not connected`);
  return device;
}
