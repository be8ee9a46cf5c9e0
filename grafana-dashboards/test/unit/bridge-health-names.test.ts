// The bridge writes its health under names of its own (it does not depend on
// this package); the Fleet health dashboard reads them from measurements.ts.
// This keeps the two from drifting apart.
import {
  bridgeFleetHealth as writtenFleet,
  bridgeSinkHealth as writtenSink,
  healthLine,
} from '@shelfpulse/operator/bridge/health-report';
import { describe, expect, it } from 'vitest';
import { bridgeFleetHealth, bridgeSinkHealth } from '../../src/measurements.ts';

describe('bridge health measurement names', () => {
  it('are the ones the dashboards query', () => {
    expect(writtenFleet).toEqual(bridgeFleetHealth);
    expect(writtenSink).toEqual(bridgeSinkHealth);
  });

  it('give lines with exactly the dashboards’ tags and integer fields', () => {
    const tags = Object.fromEntries(bridgeSinkHealth.tags.map((t) => [t, `v-${t}`]));
    const fields = Object.fromEntries(Object.values(bridgeSinkHealth.fields).map((f, i) => [f, i]));
    expect(healthLine(bridgeSinkHealth.measurement, tags, fields, 5)).toBe(
      'shelfpulse_bridge_sink,namespace=v-namespace,pod=v-pod,sink=v-sink ' +
        'write_errors_total=0i,points_dropped_total=1i,buffer_depth=2i 5',
    );
  });
});
