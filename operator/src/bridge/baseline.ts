// Where a device's count stood before this process started: the last
// product_count each device has in InfluxDB. Without it, the first count
// after a restart would be a baseline and the change it carries would be lost.
import type { DeviceState } from './derive.ts';
import type { SinkConfig } from './sink-config.ts';

export interface LastCounts {
  devices: Record<string, DeviceState>;
  /** The product id of each device's last count. */
  products: Record<string, string>;
}

/** InfluxQL over /query works on 1.x and on 2.x's 1.x-compatible API (db = database or bucket's first part). */
export async function lastCounts(
  sink: SinkConfig,
  lookback = '30d',
  timeoutMs = 10_000,
): Promise<LastCounts> {
  const db = sink.database ?? sink.bucket?.split('/')[0] ?? '';
  const params = new URLSearchParams({
    db,
    epoch: 'u',
    q: `SELECT last("count") FROM "product_count" WHERE time > now() - ${lookback} GROUP BY "device_id", "product_id"`,
  });
  if (sink.retentionPolicy) params.set('rp', sink.retentionPolicy);
  const headers: Record<string, string> = {};
  if (sink.username !== undefined)
    headers['authorization'] =
      `Basic ${Buffer.from(`${sink.username}:${sink.password ?? ''}`).toString('base64')}`;
  else if (sink.token) headers['authorization'] = `Token ${sink.token}`;
  const response = await fetch(`${sink.url.replace(/\/$/, '')}/query`, {
    method: 'POST',
    headers,
    body: params,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`InfluxDB answered ${response.status}`);
  const body = (await response.json()) as {
    results?: {
      series?: { tags?: { device_id?: string; product_id?: string }; values?: [number, number][] }[];
      error?: string;
    }[];
  };
  const result = body.results?.[0];
  if (result?.error) throw new Error(result.error);
  const last: LastCounts = { devices: {}, products: {} };
  // One series per device and product it ever had: the latest one wins.
  for (const series of result?.series ?? []) {
    const device = series.tags?.device_id;
    const [time, count] = series.values?.[0] ?? [];
    if (!device || typeof time !== 'number' || typeof count !== 'number') continue;
    if ((last.devices[device]?.timeUs ?? -1) >= time) continue;
    last.devices[device] = { count, timeUs: time, lastPointUs: time };
    if (series.tags?.product_id) last.products[device] = series.tags.product_id;
    else delete last.products[device];
  }
  return last;
}
