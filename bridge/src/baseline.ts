// Where a device's count stood before this process started: the last
// product_count each device has in InfluxDB. Without it, the first count
// after a restart would be a baseline and the change it carries would be lost.
import { productCount } from '@shelfpulse/core/measurements';
import type { DeviceState } from './derive.ts';
import { influxQuery } from './influx-read.ts';
import type { SinkConfig } from './sink-config.ts';

export interface LastCounts {
  devices: Record<string, DeviceState>;
  /** The product id of each device's last count. */
  products: Record<string, string>;
}

export async function lastCounts(
  sink: SinkConfig,
  lookback = '30d',
  timeoutMs = 10_000,
): Promise<LastCounts> {
  const series = await influxQuery(
    sink,
    `SELECT last("${productCount.field}") FROM "${productCount.measurement}" WHERE time > now() - ${lookback} GROUP BY "device_id", "product_id"`,
    { timeoutMs, epoch: 'u' },
  );
  const last: LastCounts = { devices: {}, products: {} };
  // One series per device and product it ever had: the latest one wins.
  for (const { tags, values } of series) {
    const device = tags['device_id'];
    const [time, count] = values[0] ?? [];
    if (!device || typeof time !== 'number' || typeof count !== 'number') continue;
    if ((last.devices[device]?.timeUs ?? -1) >= time) continue;
    last.devices[device] = { count, timeUs: time, lastPointUs: time };
    if (tags['product_id']) last.products[device] = tags['product_id'];
    else delete last.products[device];
  }
  return last;
}
