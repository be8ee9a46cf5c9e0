// What the health report says per fleet: distinct devices and every
// notification of a routed device, kept apart per namespace; and the
// interval's validation.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BridgeConfigSchema } from '../../src/config.ts';
import { DeviceDirectory } from '../../src/devices.ts';
import { BridgeMetrics } from '../../src/metrics.ts';
import { FleetRouteSchema, StaticRouter } from '../../src/routing.ts';
import { Translator } from '../../src/translator.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const note = (ep: string, path: string, payload: string) => ({ ep, path, ct: 'text/plain', payload });
const count = (ep: string, n: number) => note(ep, '/10341/0/26342', b64(String(n)));

describe('per-fleet tallies', () => {
  it('count distinct devices and every notification of a routed device, per namespace and fleet', () => {
    const fleet = (namespace: string, devicePrefix: string) =>
      FleetRouteSchema.parse({ fleet: 'aisle-7', namespace, devicePrefix, sinks: ['main'] });
    const translator = new Translator({
      router: new StaticRouter([fleet('shop-a', 'a-'), fleet('shop-b', 'b-')]),
      directory: new DeviceDirectory(),
      rules: { restockMinItems: 5 },
      metrics: new BridgeMetrics(),
      log: pino({ level: 'silent' }),
    });
    translator.translate(
      {
        notifications: [
          note('a-1', '/10341/0/26341', b64('oat-milk')),
          count('a-1', 10),
          count('a-1', 9),
          count('a-2', 4),
          note('a-2', '/10341/0/26342', '%%%'), // malformed, but received
          count('b-1', 7),
          count('nobody', 1), // no fleet: counted nowhere
        ],
      },
      Date.now(),
    );
    const tallies = translator.fleets
      .list()
      .map((t) => [t.route.namespace, t.route.fleet, t.devices.size, t.notifications]);
    expect(tallies.sort()).toEqual([
      ['shop-a', 'aisle-7', 2, 5],
      ['shop-b', 'aisle-7', 1, 1],
    ]);
  });

  it('validates healthIntervalMs: 10 s by default, 0 disables, tiny or negative values are refused', () => {
    const base = {
      webhook: { secret: 'x'.repeat(16) },
      sinks: [{ name: 'm', url: 'http://127.0.0.1:1', database: 'd' }],
    };
    expect(BridgeConfigSchema.parse(base).healthIntervalMs).toBe(10_000);
    expect(BridgeConfigSchema.parse({ ...base, healthIntervalMs: 0 }).healthIntervalMs).toBe(0);
    for (const bad of [50, -1, 1.5, '10s'])
      expect(BridgeConfigSchema.safeParse({ ...base, healthIntervalMs: bad }).success).toBe(false);
  });
});
