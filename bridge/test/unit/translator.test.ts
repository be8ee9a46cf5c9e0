import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DeviceDirectory } from '../../src/devices.ts';
import { BridgeMetrics } from '../../src/metrics.ts';
import { StaticRouter, FleetRouteSchema } from '../../src/routing.ts';
import { Translator } from '../../src/translator.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const count = (ep: string, n: number | string, extra: Record<string, unknown> = {}) => ({
  ep,
  path: '/10341/0/26342',
  ct: 'text/plain',
  payload: typeof n === 'number' ? b64(String(n)) : n,
  ...extra,
});
const product = (ep: string, id: string) => ({
  ep,
  path: '/10341/0/26341',
  ct: 'text/plain',
  payload: b64(id),
});

function setup() {
  const metrics = new BridgeMetrics();
  const logs: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => logs.push(line) });
  const router = new StaticRouter([
    FleetRouteSchema.parse({
      fleet: 'aisle-7',
      namespace: 'shop',
      store: 'berlin-1',
      aisle: '7',
      devicePrefix: 'shelf-',
      sinks: ['main'],
      placements: [{ productId: 'oat-milk', position: 'eye-level', capacity: 24, restockThreshold: 6 }],
    }),
  ]);
  const translator = new Translator({
    router,
    directory: new DeviceDirectory(),
    rules: { restockMinItems: 5 },
    metrics,
    log,
  });
  return { translator, metrics, logs };
}

async function counter(
  metrics: BridgeMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { labels: Record<string, string>; value: number }[];
  return values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

describe('Translator', () => {
  it('tags points with the fleet, the product and its placement, and derives events', () => {
    const { translator } = setup();
    const { points, devices } = translator.translate(
      { notifications: [product('shelf-1', 'oat-milk'), count('shelf-1', 24), count('shelf-1', 22)] },
      1_000,
    );
    const tags =
      'aisle=7,device_id=shelf-1,fleet=aisle-7,namespace=shop,position=eye-level,product_id=oat-milk,store=berlin-1';
    expect(points['main']).toEqual([
      `product_count,${tags} count=24i 1000001`,
      `product_count,${tags} count=22i 1000002`,
      `shelf_event,aisle=7,device_id=shelf-1,fleet=aisle-7,kind=pickup,namespace=shop,position=eye-level,product_id=oat-milk,store=berlin-1 items=2i 1000002`,
    ]);
    expect(devices.get('shelf-1')?.count).toBe(22);
  });

  it('counts bad notifications by reason, logs once per device, and keeps the rest of the batch', async () => {
    const { translator, metrics, logs } = setup();
    const { points } = translator.translate(
      {
        notifications: [
          count('shelf-1', 10),
          count('shelf-2', '%%%'),
          count('shelf-2', '@@@'),
          // The same bad payload again (decoded once, remembered): counted again.
          count('shelf-4', '%%%'),
          count('shelf-3', b64('many')),
          { path: '/10341/0/26342' },
          'not even an object',
          count('stranger-9', 4),
          { ep: 'shelf-1', path: '/3/0/0', payload: b64('x') },
          count('shelf-1', 9),
        ],
      },
      2_000,
    );
    expect(points['main']).toHaveLength(3); // two counts and one pick-up of shelf-1
    expect(
      await counter(metrics, 'shelfpulse_bridge_malformed_notifications_total', { reason: 'bad-base64' }),
    ).toBe(3);
    expect(
      await counter(metrics, 'shelfpulse_bridge_malformed_notifications_total', { reason: 'not-a-number' }),
    ).toBe(1);
    expect(
      await counter(metrics, 'shelfpulse_bridge_malformed_notifications_total', {
        reason: 'bad-notification',
      }),
    ).toBe(2);
    expect(
      await counter(metrics, 'shelfpulse_bridge_notifications_total', { result: 'unknown-device' }),
    ).toBe(1);
    expect(await counter(metrics, 'shelfpulse_bridge_notifications_total', { result: 'unknown-path' })).toBe(
      1,
    );
    expect(logs.filter((l) => l.includes('shelf-2'))).toHaveLength(1);
  });

  it('routes by endpoint name and type learnt from registrations, not by the cloud’s device id', () => {
    const directory = new DeviceDirectory({ list: async () => [] });
    const router = new StaticRouter([
      FleetRouteSchema.parse({
        fleet: 'typed',
        devicePrefix: 'shelf-',
        deviceType: 'smart-shelf',
        sinks: ['typed'],
      }),
    ]);
    const typed = new Translator({
      router,
      directory,
      rules: { restockMinItems: 5 },
      metrics: new BridgeMetrics(),
      log: pino({ level: 'silent' }),
    });
    const { points } = typed.translate(
      {
        registrations: [
          { ep: '0a1b', 'original-ep': 'shelf-7', ept: 'smart-shelf' },
          { ep: '0c2d', 'original-ep': 'shelf-8', ept: 'fridge' },
        ],
        notifications: [count('0a1b', 5), count('0c2d', 5), count('0e3f', 5)],
      },
      1,
    );
    expect(points['typed']).toEqual([
      'product_count,device_id=0a1b,fleet=typed,namespace=default count=5i 1000',
    ]);
  });

  it('sorts a batch by the devices’ own timestamps before deriving', () => {
    const { translator } = setup();
    const { points } = translator.translate(
      {
        notifications: [
          count('shelf-1', 20, { timestamp: 3_000 }),
          count('shelf-1', 24, { timestamp: 1_000 }),
          count('shelf-1', 21, { timestamp: 2_000 }),
        ],
      },
      9_000,
    );
    const events = (points['main'] ?? [])
      .filter((l) => l.startsWith('shelf_event'))
      .map((l) => /kind=(\w+).* items=(\d+)i/.exec(l)?.slice(1).join(':'));
    expect(events).toEqual(['pickup:3', 'pickup:1']);
  });
});
