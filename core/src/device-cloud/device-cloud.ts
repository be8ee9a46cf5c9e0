// What the operator needs from the device cloud (Izuma/Pelion Device
// Management, or the bundled emulator). The controllers depend on this
// interface; mbed-sdk-device-cloud.ts implements it with mbed-cloud-sdk.

/** A pre-subscription entry: devices by endpoint name (optionally ending in *) and/or type. */
export interface Presubscription {
  endpointName?: string | undefined;
  endpointType?: string | undefined;
  resourcePaths?: string[] | undefined;
}

export interface RegisteredDevice {
  /** Device id used in subscription calls. */
  id: string;
  endpointName: string;
  endpointType?: string | undefined;
}

export interface DeviceCloud {
  listPresubscriptions(): Promise<Presubscription[]>;
  updatePresubscriptions(entries: Presubscription[]): Promise<void>;
  listRegisteredDevices(): Promise<RegisteredDevice[]>;
  /** Subscribes (idempotently); false when the cloud has no such device or resource, or the device refused. */
  subscribe(deviceId: string, resourcePath: string): Promise<boolean>;
  unsubscribe(deviceId: string, resourcePath: string): Promise<void>;
}

/** A device-cloud failure classified for conditions a person can act on. */
export class DeviceCloudError extends Error {
  readonly reason: 'DeviceCloudUnreachable' | 'DeviceCloudUnauthorized' | 'DeviceCloudError';
  constructor(reason: DeviceCloudError['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeviceCloudError';
    this.reason = reason;
  }
}

export interface DeviceCloudConnection {
  apiUrl: string;
  apiKey: string;
}

export type DeviceCloudFactory = (connection: DeviceCloudConnection) => DeviceCloud;
