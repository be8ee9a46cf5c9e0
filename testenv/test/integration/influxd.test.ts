// Proves InfluxDB is the real server: points written through the official
// client's v2 compatibility API and through the 1.x /write endpoint, read back
// with InfluxQL.
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { describe, expect, inject, it } from 'vitest';
import { influxqlRows } from '../../src/index.ts';

const env = inject('testenv');

const query = (q: string, db?: string) => influxqlRows(env.influx.url, q, { db, epoch: 'ms' });

describe('influxd', () => {
  it('accepts points through @influxdata/influxdb-client (v2 compatibility) and /write', async () => {
    await query('CREATE DATABASE smoke');

    const writeApi = new InfluxDB({ url: env.influx.url, token: '' }).getWriteApi('', 'smoke/autogen', 'ms');
    writeApi.writePoint(
      new Point('product_count').tag('product_id', 'p-1').intField('count', 7).timestamp(1_000),
    );
    await writeApi.close();

    const lines = 'product_count,product_id=p-1 count=6i 2000\nproduct_count,product_id=p-2 count=3i 3000';
    const response = await fetch(`${env.influx.url}/write?db=smoke&precision=ms`, {
      method: 'POST',
      body: lines,
    });
    expect(response.status).toBe(204);

    const rows = await query('SELECT "count", "product_id" FROM product_count ORDER BY time', 'smoke');
    expect(rows).toEqual([
      [1000, 7, 'p-1'],
      [2000, 6, 'p-1'],
      [3000, 3, 'p-2'],
    ]);
  });

  it('rejects a field type conflict with a 400 that names the field', async () => {
    await query('CREATE DATABASE conflict');
    await fetch(`${env.influx.url}/write?db=conflict`, { method: 'POST', body: 'm value=1i 1' });
    const response = await fetch(`${env.influx.url}/write?db=conflict`, {
      method: 'POST',
      body: 'm value="x" 2',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/field type conflict/);
  });
});
