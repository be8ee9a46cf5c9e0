// InfluxDB line protocol, the one encoder of every point the bridge writes.
// Timestamps are in microseconds (precision=u): unique per device and exact in
// a JS number. Shelf data (product_count, shelf_event) is the hot path: a
// device's tags are escaped and joined once (`tagSet`), a point is then one
// concatenation; everything else goes through `pointLine`.
import {
  productCount,
  shelfEvent,
  shelfTags,
  type ShelfEventKind,
  type ShelfTag,
} from '@shelfpulse/core/measurements';

export type PointTags = { [tag in ShelfTag]?: string | undefined } & { device_id: string };

/** A device's tags as ready line prefixes, up to the field's value. */
export interface TagSet {
  count: string;
  event: Record<ShelfEventKind, string>;
}

/** Escapes a tag key or value, or a field key: commas, equals signs and spaces; drops newlines. */
export function escapeTag(value: string): string {
  return value.replace(/[\r\n]/g, '').replace(/([,= \\])/g, '\\$1');
}

/** `,key=value` for each tag in key order (InfluxDB's own), leaving out empty values (line protocol forbids them). */
function tagText(tags: Readonly<Record<string, string | undefined>>, keys: readonly string[]): string {
  return [...keys]
    .sort()
    .filter((k) => tags[k])
    .map((k) => `,${escapeTag(k)}=${escapeTag(tags[k] as string)}`)
    .join('');
}

// The kind tag sorts between `fleet` and `namespace`.
const tagsBeforeKind = shelfTags.filter((t) => t < shelfEvent.kindTag);
const tagsAfterKind = shelfTags.filter((t) => t > shelfEvent.kindTag);

export function tagSet(tags: PointTags): TagSet {
  const before = tagText(tags, tagsBeforeKind);
  const after = tagText(tags, tagsAfterKind);
  const event = (kind: ShelfEventKind): string =>
    `${shelfEvent.measurement}${before},${shelfEvent.kindTag}=${kind}${after} ${shelfEvent.field}=`;
  return {
    count: `${productCount.measurement}${before}${after} ${productCount.field}=`,
    event: { pickup: event('pickup'), putback: event('putback'), restock: event('restock') },
  };
}

export function countLine(tags: TagSet, count: number, timeUs: number): string {
  return `${tags.count}${Math.trunc(count)}i ${Math.trunc(timeUs)}`;
}

export function eventLine(tags: TagSet, kind: ShelfEventKind, items: number, timeUs: number): string {
  return `${tags.event[kind]}${Math.trunc(items)}i ${Math.trunc(timeUs)}`;
}

/** An integer field value (`i` suffix); a plain number is a float. */
export interface IntegerField {
  integer: number;
}
export const integer = (value: number): IntegerField => ({ integer: value });

/** A field value; `undefined` and non-finite floats (nothing estimated) leave the field out. */
export type FieldValue = number | IntegerField | boolean | string | undefined;

function fieldValue(value: Exclude<FieldValue, undefined>): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `"${value.replace(/(["\\])/g, '\\$1')}"`;
  return `${Math.trunc(value.integer)}i`;
}

/** One point: tags in key order, empty ones left out; fields in the order given. */
export function pointLine(
  measurement: string,
  tags: Readonly<Record<string, string>>,
  fields: Readonly<Record<string, FieldValue>>,
  timeUs: number,
): string {
  const fieldText = Object.entries(fields)
    .map(([key, value]) => {
      const text = value === undefined ? undefined : fieldValue(value);
      return text === undefined ? undefined : `${escapeTag(key)}=${text}`;
    })
    .filter((text) => text !== undefined)
    .join(',');
  if (fieldText === '') throw new Error(`a ${measurement} point needs at least one field with a value`);
  return `${measurement}${tagText(tags, Object.keys(tags))} ${fieldText} ${Math.trunc(timeUs)}`;
}
