// The Fleet health dashboard queries the bridge's health points by the names
// the bridge exports; its lines must carry exactly those tags, as integers.
import { healthLine } from '@shelfpulse/bridge/health-report';
import { describe, expect, it } from 'vitest';
import { bridgeSinkHealth } from '../../src/measurements.ts';

describe('bridge health measurement names', () => {
  it('give lines with exactly the dashboards’ tags and integer fields', () => {
    const tags = Object.fromEntries(bridgeSinkHealth.tags.map((t) => [t, `v-${t}`]));
    const fields = Object.fromEntries(Object.values(bridgeSinkHealth.fields).map((f, i) => [f, i]));
    expect(healthLine(bridgeSinkHealth.measurement, tags, fields, 5)).toBe(
      'shelfpulse_bridge_sink,namespace=v-namespace,pod=v-pod,sink=v-sink ' +
        'write_errors_total=0i,points_dropped_total=1i,buffer_depth=2i 5',
    );
  });
});
