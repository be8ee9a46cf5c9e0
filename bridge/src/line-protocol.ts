// InfluxDB line protocol for the bridge's two measurements. Timestamps are in
// microseconds (precision=u): unique per device and exact in a JS number.
import type { EventKind } from './derive.ts';

export interface PointTags {
  product_id?: string | undefined;
  device_id: string;
  fleet?: string | undefined;
  namespace?: string | undefined;
  store?: string | undefined;
  aisle?: string | undefined;
  position?: string | undefined;
}

/**
 * A device's tags, escaped and sorted once, as ready line prefixes (`kind`
 * sorts between `fleet` and `namespace`): a point is then one concatenation.
 */
export interface TagSet {
  count: string;
  event: Record<EventKind, string>;
}

const beforeKind = ['aisle', 'device_id', 'fleet'] as const;
const afterKind = ['namespace', 'position', 'product_id', 'store'] as const;

/** Escapes a tag key or value: commas, equals signs and spaces; drops newlines. */
export function escapeTag(value: string): string {
  return value.replace(/[\r\n]/g, '').replace(/([,= \\])/g, '\\$1');
}

function join(tags: PointTags, keys: readonly (keyof PointTags)[]): string {
  // Empty tag values are not allowed in line protocol, so they are left out.
  return keys
    .filter((k) => tags[k])
    .map((k) => `${k}=${escapeTag(tags[k] as string)}`)
    .join(',');
}

function joined(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(',');
}

export function tagSet(tags: PointTags): TagSet {
  const before = join(tags, beforeKind);
  const after = join(tags, afterKind);
  const event = (kind: EventKind): string => `shelf_event,${joined(before, `kind=${kind}`, after)} items=`;
  return {
    count: `product_count,${joined(before, after)} count=`,
    event: { pickup: event('pickup'), putback: event('putback'), restock: event('restock') },
  };
}

export function countLine(tags: TagSet, count: number, timeUs: number): string {
  return `${tags.count}${Math.trunc(count)}i ${Math.trunc(timeUs)}`;
}

export function eventLine(tags: TagSet, kind: EventKind, items: number, timeUs: number): string {
  return `${tags.event[kind]}${Math.trunc(items)}i ${Math.trunc(timeUs)}`;
}
