// From one NotificationMessage to the points of every sink: decodes payloads,
// keeps product ids, derives interactions and formats line protocol. Pure
// apart from its caches; a bad notification is counted and skipped, and
// never stops the rest of the batch.
import type { Logger } from 'pino';
import { Deriver, type DeriveRules, type DeviceState } from './derive.ts';
import { countLine, eventLine, tagSet, type PointTags, type TagSet } from './line-protocol.ts';
import type { BridgeMetrics } from './metrics.ts';
import {
  ITEM_COUNT_PATH,
  NotificationSchema,
  PRODUCT_ID_PATH,
  type Notification,
  type NotificationMessage,
} from './notification.ts';
import { decodeCount, decodeText } from './payload.ts';
import { placementOf, type FleetRoute, type Router } from './routing.ts';
import type { DeviceDirectory } from './devices.ts';
import { FleetStats } from './fleet-stats.ts';

export interface Translation {
  /** Line protocol by sink name. */
  points: Record<string, string[]>;
  /** Derivation state of the devices that changed. */
  devices: Map<string, DeviceState>;
  /** Product ids learnt or changed in this batch. */
  products: Record<string, string>;
}

export interface TranslatorOptions {
  router: Router;
  directory: DeviceDirectory;
  rules: DeriveRules;
  metrics: BridgeMetrics;
  log: Logger;
  /** Asked for devices whose product id is not known yet (e.g. to read /10341/0/26341). */
  onUnknownProduct?: (deviceId: string) => void;
}

const maxLoggedDevices = 10_000;

/** The common case without zod: every field a string where the cloud sends one. */
function plainNotification(raw: unknown): Notification | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const n = raw as Record<string, unknown>;
  if (typeof n['ep'] !== 'string' || typeof n['path'] !== 'string') return undefined;
  if (n['payload'] !== undefined && typeof n['payload'] !== 'string') return undefined;
  if (n['ct'] !== undefined && typeof n['ct'] !== 'string') return undefined;
  if (n['observe'] !== undefined || n['timestamp'] !== undefined) return undefined;
  return n as Notification;
}

function timeUsOf(n: Notification, fallbackUs: number): number {
  if (n.timestamp === undefined) return fallbackUs;
  const ms = typeof n.timestamp === 'number' ? n.timestamp : Date.parse(n.timestamp);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms * 1000) : fallbackUs;
}

interface PendingCount {
  n: Notification;
  timeUs: number;
  route: FleetRoute | undefined;
}

/** What one batch gathers on its way through the translator. */
class BatchTally {
  /** Lines by sink (a Map: a keyed store by a changing name deoptimises the hot path). */
  readonly points = new Map<string, string[]>();
  readonly products: Record<string, string> = {};
  readonly counts: PendingCount[] = [];
  /** Devices whose state changed: copied once at the end, however often they changed. */
  readonly changed = new Set<string>();
  readonly results = new Map<string, number>();
  readonly kinds = new Map<string, number>();

  bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  /** Counted per batch, not per notification: prom-client label lookups add up. */
  report(metrics: BridgeMetrics): void {
    for (const [result, n] of this.results) metrics.notifications.inc({ result }, n);
    for (const [kind, n] of this.kinds) metrics.events.inc({ kind }, n);
  }
}

export class Translator {
  readonly deriver: Deriver;
  /** Devices and notifications per fleet, for the health report. */
  readonly fleets = new FleetStats();
  private readonly options: TranslatorOptions;
  private readonly productIds = new Map<string, string>();
  private readonly logged = new Set<string>();
  private nextUs = 0;
  private readonly tagCache = new Map<
    string,
    { productId: string | undefined; route: FleetRoute; position: string | undefined; tags: TagSet }
  >();

  constructor(options: TranslatorOptions) {
    this.options = options;
    this.deriver = new Deriver(options.rules);
  }

  productId(deviceId: string): string | undefined {
    return this.productIds.get(deviceId);
  }

  setProductId(deviceId: string, productId: string): void {
    this.productIds.set(deviceId, productId);
  }

  /** Every known product id, for the spool's snapshot. */
  productIdsSnapshot(): Record<string, string> {
    return Object.fromEntries(this.productIds);
  }

  // One batch is taken in two passes of small per-notification steps: V8
  // optimises small functions called often far more reliably than one large
  // loop (whose on-stack-replaced code any deopt throws away, batch after batch).
  translate(message: NotificationMessage, receivedMs: number): Translation {
    this.options.directory.learn(message);
    const batch = new BatchTally();
    const raw = message.notifications ?? [];
    // Arrival order, one microsecond apart, and never before the previous batch
    // (a batch of 5000 spans 5 ms; the next may arrive sooner).
    const startUs = Math.max(receivedMs * 1000, this.nextUs);
    this.nextUs = startUs + raw.length;
    for (let i = 0; i < raw.length; i++) this.take(raw[i], startUs + i, batch);
    batch.counts.sort((a, b) => a.timeUs - b.timeUs);
    for (const count of batch.counts) this.derive(count, batch);
    // A Map: an object keyed by a few hundred device ids costs V8 a new hidden class per key.
    const devices = new Map<string, DeviceState>();
    for (const deviceId of batch.changed) {
      const state = this.deriver.snapshotOf(deviceId);
      if (state) devices.set(deviceId, state);
    }
    batch.report(this.options.metrics);
    return { points: Object.fromEntries(batch.points), devices, products: batch.products };
  }

  /** First pass: validates, routes and sorts one notification; product ids are taken at once. */
  private take(raw: unknown, arrivalUs: number, batch: BatchTally): void {
    let n = plainNotification(raw);
    if (!n) {
      const parsed = NotificationSchema.safeParse(raw);
      if (!parsed.success || !parsed.data.ep || !parsed.data.path) {
        this.malformed('bad-notification', parsed.success ? parsed.data.ep : undefined, 'missing ep or path');
        return;
      }
      n = parsed.data;
    }
    const deviceId = n.ep as string;
    // Every notification of a routed device counts for its fleet, whatever becomes of it.
    const route = this.options.router.route(this.options.directory.identity(deviceId));
    if (route) this.fleets.record(route, deviceId);
    if (n.path === ITEM_COUNT_PATH) batch.counts.push({ n, timeUs: timeUsOf(n, arrivalUs), route });
    else if (n.path === PRODUCT_ID_PATH) {
      const decoded = decodeText(n.payload, n.ct);
      if (!decoded.ok) return this.malformed(decoded.reason, deviceId, decoded.detail);
      batch.bump(batch.results, 'product-id');
      if (this.productIds.get(deviceId) !== decoded.value) batch.products[deviceId] = decoded.value;
      this.productIds.set(deviceId, decoded.value);
    } else batch.bump(batch.results, 'unknown-path');
  }

  /** Second pass, in time order: one count change into its points. */
  private derive({ n, timeUs, route }: PendingCount, batch: BatchTally): void {
    const deviceId = n.ep as string;
    const decoded = decodeCount(n.payload, n.ct);
    if (!decoded.ok) return this.malformed(decoded.reason, deviceId, decoded.detail);
    if (!route) {
      batch.bump(batch.results, 'unknown-device');
      this.logOnce(deviceId, 'unknown-device', 'no fleet routes this device; its notifications are skipped');
      return;
    }
    const productId = this.productIds.get(deviceId);
    if (productId === undefined) this.options.onUnknownProduct?.(deviceId);
    const placement = placementOf(route, productId);
    const derived = this.deriver.observe(
      { deviceId, count: decoded.value, timeUs, seq: n.observe },
      { capacity: placement?.capacity, restockThreshold: placement?.restockThreshold },
    );
    batch.bump(batch.results, derived.outcome);
    if (derived.countTimeUs === undefined) return;
    batch.changed.add(deviceId);
    const tags = this.tagsOf(deviceId, productId, route, placement?.position);
    const count = countLine(tags, decoded.value, derived.countTimeUs);
    const event = derived.event
      ? eventLine(tags, derived.event.kind, derived.event.items, derived.countTimeUs)
      : undefined;
    if (derived.event) batch.bump(batch.kinds, derived.event.kind);
    for (const sink of route.sinks) {
      // One by one: a spread push into a large array is several times slower.
      let lines = batch.points.get(sink);
      if (!lines) batch.points.set(sink, (lines = []));
      lines.push(count);
      if (event !== undefined) lines.push(event);
    }
  }

  /** Escaped tags per device, rebuilt only when its product or fleet changes. */
  private tagsOf(
    deviceId: string,
    productId: string | undefined,
    route: FleetRoute,
    position: string | undefined,
  ): TagSet {
    const cached = this.tagCache.get(deviceId);
    if (cached && cached.productId === productId && cached.route === route && cached.position === position)
      return cached.tags;
    const tags: PointTags = {
      product_id: productId,
      device_id: deviceId,
      fleet: route.fleet,
      namespace: route.namespace,
      store: route.store,
      aisle: route.aisle,
      position,
    };
    const entry = { productId, route, position, tags: tagSet(tags) };
    this.tagCache.set(deviceId, entry);
    return entry.tags;
  }

  private malformed(reason: string, deviceId: string | undefined, detail: string): void {
    this.options.metrics.malformed.inc({ reason });
    this.options.metrics.notifications.inc({ result: 'malformed' });
    this.logOnce(deviceId ?? '(none)', reason, detail);
  }

  /** One log line per device and reason: a broken shelf must not flood the logs. */
  private logOnce(deviceId: string, reason: string, detail: string): void {
    const key = `${deviceId}\u0000${reason}`;
    if (this.logged.has(key) || this.logged.size >= maxLoggedDevices) return;
    this.logged.add(key);
    this.options.log.warn({ device: deviceId, reason, detail }, 'notification skipped');
  }
}
