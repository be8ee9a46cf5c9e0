// Shared by the bridge's integration tests: InfluxQL against the real influxd,
// notification builders, and a bridge wired to given sinks.
import { influxql as influxqlOf, influxqlRows } from '@shelfpulse/testenv';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import type { KubeObject } from '@shelfpulse/core/kube/client';
import type { Truth } from './shelf-load.ts';
import { Bridge, type BridgeOptions } from '../../src/bridge.ts';
import { BridgeMetrics } from '../../src/metrics.ts';
import { FleetRouteSchema, StaticRouter, type FleetRouteInput } from '../../src/routing.ts';
import { SinkConfigSchema, type SinkConfigInput } from '../../src/sink-config.ts';

export const silent: Logger = pino({ level: 'silent' });

export function influxql(url: string, q: string, db?: string): Promise<unknown[][]> {
  return influxqlRows(url, q, { db, epoch: 'u' });
}

/** Series with their tags, for GROUP BY queries. */
export async function influxqlSeries(
  url: string,
  q: string,
  db: string,
): Promise<{ tags: Record<string, string>; values: unknown[][] }[]> {
  const series = await influxqlOf(url, q, { db, epoch: 'u' });
  return series.map((s) => ({ tags: s.tags ?? {}, values: s.values }));
}

/** One entry of an object's metadata.managedFields: who wrote which fields, and how. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

export function managedFields(object: KubeObject): ManagedFieldsEntry[] {
  return (object.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields ?? [];
}

export async function createDatabase(url: string, db: string): Promise<void> {
  await influxql(url, `CREATE DATABASE "${db}"`);
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function countNote(ep: string, count: number, extra: Record<string, unknown> = {}) {
  return {
    ep,
    path: '/10341/0/26342',
    ct: 'text/plain',
    payload: b64(String(count)),
    'max-age': '60',
    ...extra,
  };
}

export function productNote(ep: string, productId: string) {
  return { ep, path: '/10341/0/26341', ct: 'text/plain', payload: b64(productId) };
}

export function route(overrides: Partial<FleetRouteInput> = {}) {
  return FleetRouteSchema.parse({
    fleet: 'aisle-7',
    namespace: 'shop',
    store: 'berlin-1',
    aisle: '7',
    devicePrefix: 'shelf-',
    sinks: ['main'],
    placements: [{ productId: 'oat-milk', position: 'eye-level', capacity: 24, restockThreshold: 6 }],
    ...overrides,
  });
}

export function sink(input: Partial<SinkConfigInput> & { url: string }) {
  return SinkConfigSchema.parse({
    name: 'main',
    flushIntervalMs: 50,
    retryInitialMs: 50,
    retryMaxMs: 1000,
    ...input,
  });
}

export function makeBridge(options: Partial<BridgeOptions> & Pick<BridgeOptions, 'sinks'>) {
  const metrics = options.metrics ?? new BridgeMetrics();
  const bridge = new Bridge({
    router: new StaticRouter([route()]),
    rules: { restockMinItems: 5 },
    log: silent,
    ...options,
    metrics,
  });
  return { bridge, metrics };
}

export async function metricValue(
  metrics: BridgeMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { labels: Record<string, string | number>; value: number }[];
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))
    .reduce((sum, v) => sum + v.value, 0);
}

export async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

/**
 * Nothing the shelves did is missing, and at most `extra` notifications were
 * derived twice: a batch written just before a crash, whose answer never left,
 * comes again from the cloud (without a spool nothing tells it apart).
 */
export async function assertNothingLost(url: string, db: string, truth: Truth, extra: number): Promise<void> {
  const counts = Number((await influxql(url, 'SELECT count("count") FROM product_count', db))[0]?.[1] ?? 0);
  expect(counts).toBeGreaterThanOrEqual(truth.counts);
  expect(counts).toBeLessThanOrEqual(truth.counts + extra);
  let extraEvents = 0;
  for (const kind of ['pickup', 'putback', 'restock'] as const) {
    const rows = await influxql(url, `SELECT count("items") FROM shelf_event WHERE "kind" = '${kind}'`, db);
    const events = Number(rows[0]?.[1] ?? 0);
    expect(events).toBeGreaterThanOrEqual(truth[kind].events);
    extraEvents += events - truth[kind].events;
  }
  expect(extraEvents).toBeLessThanOrEqual(extra);
}

/** InfluxDB holds exactly what the shelves did: every count change, every event and its items. */
export async function assertExact(url: string, db: string, truth: Truth): Promise<void> {
  const counts = await influxql(url, 'SELECT count("count") FROM product_count', db);
  expect(counts[0]?.[1]).toBe(truth.counts);
  for (const kind of ['pickup', 'putback', 'restock'] as const) {
    const rows = await influxql(
      url,
      `SELECT count("items"), sum("items") FROM shelf_event WHERE "kind" = '${kind}'`,
      db,
    );
    expect({ kind, events: rows[0]?.[1] ?? 0, items: rows[0]?.[2] ?? 0 }).toEqual({ kind, ...truth[kind] });
  }
}
