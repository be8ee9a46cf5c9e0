import { describe, expect, it } from 'vitest';
import { interpolate, intervalMs } from '../../src/grafana-interpolation.ts';

const base = { fromMs: 0, toMs: 3_600_000, variables: {} };

describe('Grafana interpolation of InfluxQL', () => {
  it('replaces $timeFilter with the range in epoch milliseconds', () => {
    expect(interpolate('WHERE $timeFilter', base)).toBe('WHERE time >= 0ms and time <= 3600000ms');
  });

  it('rounds $__interval to a nice step and honours the panel min interval', () => {
    expect(intervalMs(base)).toBe(5_000); // 1 h / 1000 points = 3.6 s → 5 s
    expect(interpolate('time($__interval) $__interval_ms', { ...base, minInterval: '1m' })).toBe(
      'time(1m) 60000',
    );
  });

  it('formats multi-value variables as an escaped regex alternation, and All as its allValue', () => {
    const variables = {
      store: { values: ['s.1', 's/2'], multi: true },
      fleet: { values: [], multi: true, all: true, allValue: '.*' },
      one: { values: ['x'], multi: true },
    };
    expect(interpolate('/^$store$/ /^$fleet$/ /^${one}$/', { ...base, variables })).toBe(
      '/^(s\\.1|s\\/2)$/ /^.*$/ /^x$/',
    );
  });

  it('fails on a variable the dashboard does not define', () => {
    expect(() => interpolate('$nope', base)).toThrow(/unknown variable \$nope/);
  });
});
