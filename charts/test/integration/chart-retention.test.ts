// The retention values: each rollup's retention comes from its value, the
// real influxd accepts the shortest ones the chart allows, and shorter ones
// (which InfluxDB would refuse at the first start, leaving no rollups) are
// rejected at render time with the field named.
import { describe, expect, inject, it } from 'vitest';
import { Helm, influxql } from '../../../testenv/src/index.ts';
import { render } from './chart.ts';
import { chartRetention } from './chart-retention.ts';

const env = inject('testenv');
const helm = new Helm(env.workDir);

describe('retention values', () => {
  it('the shortest allowed retentions render into statements the real influxd accepts', async () => {
    const database = `retention_${process.pid}_${Date.now().toString(36)}`;
    const { statements } = await chartRetention(
      helm,
      ...['--set', `influxdb.database=${database}`],
      ...['--set', 'influxdb.retention.rawDays=3'],
      ...['--set', 'influxdb.retention.rollupDays=7'],
      ...['--set', 'influxdb.retention.dailyRollupDays=30'],
    );
    await influxql(env.influx.url, `CREATE DATABASE "${database}"`);
    try {
      for (const statement of statements) await influxql(env.influx.url, statement);
      const [policies] = await influxql(env.influx.url, `SHOW RETENTION POLICIES ON "${database}"`);
      expect(policies!.values.map(([name, duration]) => [name, duration])).toEqual([
        ['autogen', '72h0m0s'],
        ['rollup_1h', '168h0m0s'],
        ['rollup_1d', '720h0m0s'],
      ]);
    } finally {
      await influxql(env.influx.url, `DROP DATABASE "${database}"`);
    }
  });

  it.each([
    ['rollupDays', 6, /influxdb\.retention\.rollupDays=6 must be 0 \(forever\) or at least 7/],
    ['dailyRollupDays', 29, /influxdb\.retention\.dailyRollupDays=29 must be 0 \(forever\) or at least 30/],
  ])('rejects %s=%i, shorter than its shards', async (field, days, message) => {
    await expect(render(helm, 'x', 'shop', '--set', `influxdb.retention.${field}=${days}`)).rejects.toThrow(
      message,
    );
  });
});
