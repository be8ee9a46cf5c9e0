// Decodes a notification payload: base64, then text or LwM2M TLV by content
// type. Never throws: a bad payload is a value with a reason, so one bad
// notification cannot block the rest of a batch.
import { singleResourceValue, tlvInteger } from '@shelfpulse/core/lwm2m/tlv';

export const malformedReasons = [
  'missing-payload',
  'bad-base64',
  'bad-tlv',
  'unsupported-content-type',
  'not-a-number',
  'out-of-range',
  'bad-text',
] as const;
export type MalformedReason = (typeof malformedReasons)[number];

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: MalformedReason; detail: string };

type Format = 'text' | 'tlv' | 'opaque';

// Content types as Pelion/Izuma report them: media type names or CoAP numbers.
const formats: Record<string, Format> = {
  '': 'text',
  'text/plain': 'text',
  '0': 'text',
  'application/vnd.oma.lwm2m+text': 'text',
  '1541': 'text',
  'application/vnd.oma.lwm2m+tlv': 'tlv',
  '11542': 'tlv',
  '1542': 'tlv',
  'application/octet-stream': 'opaque',
  '42': 'opaque',
};

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function fail<T>(reason: MalformedReason, detail: string): Decoded<T> {
  return { ok: false, reason, detail };
}

function bytesOf(payload: string | undefined): Decoded<Buffer> {
  if (payload === undefined) return fail('missing-payload', 'notification has no payload');
  // Buffer.from(…, 'base64') silently skips bad characters; check strictly first.
  if (!base64.test(payload)) return fail('bad-base64', 'payload is not valid base64');
  return { ok: true, value: Buffer.from(payload, 'base64') };
}

// A cloud sends a handful of distinct content types; parsing each once matters at 100k notifications/s.
const formatByCt = new Map<string, Format | undefined>();

function formatOf(ct: string | undefined): Format | undefined {
  const raw = ct ?? '';
  if (formatByCt.has(raw)) return formatByCt.get(raw);
  const format = formats[raw.split(';')[0]?.trim().toLowerCase() ?? ''];
  if (formatByCt.size < 64) formatByCt.set(raw, format);
  return format;
}

// Item counts are small numbers, so a few hundred distinct payloads cover a
// whole store: each is decoded once. Results are immutable; the cache is
// bounded and starts over when full.
const countCache = new Map<string | undefined, Map<string, Decoded<number>>>();
const countCacheLimit = 4096;
let countCacheSize = 0;

/** A non-negative integer resource (the item count), decoded once per distinct payload. */
export function decodeCount(payload: string | undefined, ct: string | undefined): Decoded<number> {
  if (payload === undefined || payload.length > 32) return decodeCountOnce(payload, ct);
  let byPayload = countCache.get(ct);
  const known = byPayload?.get(payload);
  if (known) return known;
  const decoded = decodeCountOnce(payload, ct);
  if (countCacheSize >= countCacheLimit) {
    countCache.clear();
    countCacheSize = 0;
    byPayload = undefined;
  }
  if (!byPayload) countCache.set(ct, (byPayload = new Map()));
  byPayload.set(payload, decoded);
  countCacheSize++;
  return decoded;
}

function decodeCountOnce(payload: string | undefined, ct: string | undefined): Decoded<number> {
  const bytes = bytesOf(payload);
  if (!bytes.ok) return bytes;
  const format = formatOf(ct);
  let value: number;
  if (format === 'tlv') {
    try {
      value = tlvInteger(singleResourceValue(bytes.value));
    } catch (error) {
      return fail('bad-tlv', (error as Error).message);
    }
  } else if (format === 'text' || format === 'opaque') {
    const text = bytes.value.toString('utf8').trim();
    if (!/^[+-]?\d{1,15}$/.test(text))
      return fail('not-a-number', `not an integer: ${JSON.stringify(text.slice(0, 40))}`);
    value = Number(text);
  } else {
    return fail('unsupported-content-type', `content type ${JSON.stringify(ct)}`);
  }
  if (value < 0 || value > 1_000_000) return fail('out-of-range', `count ${value}`);
  return { ok: true, value };
}

/** A string resource (the product id). */
export function decodeText(payload: string | undefined, ct: string | undefined): Decoded<string> {
  const bytes = bytesOf(payload);
  if (!bytes.ok) return bytes;
  const format = formatOf(ct);
  let raw: Buffer;
  if (format === 'tlv') {
    try {
      raw = singleResourceValue(bytes.value);
    } catch (error) {
      return fail('bad-tlv', (error as Error).message);
    }
  } else if (format === 'text' || format === 'opaque') {
    raw = bytes.value;
  } else {
    return fail('unsupported-content-type', `content type ${JSON.stringify(ct)}`);
  }
  const text = raw.toString('utf8').trim();
  if (text.length === 0 || text.length > 63 || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text))
    return fail('bad-text', `not a product id: ${JSON.stringify(text.slice(0, 40))}`);
  return { ok: true, value: text };
}
