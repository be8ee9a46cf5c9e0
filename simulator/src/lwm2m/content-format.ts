// CoAP content formats an LwM2M 1.0 server and client exchange, and the MIME
// names the Connect API uses for them (notifications carry `ct` as a MIME name).
import { registerFormat } from 'coap';

export const contentFormats = {
  'text/plain': 0,
  'application/link-format': 40,
  'application/octet-stream': 42,
  'application/json': 50,
  'application/vnd.oma.lwm2m+tlv': 11542,
  'application/vnd.oma.lwm2m+json': 11543,
} as const;

export type ContentFormatName = keyof typeof contentFormats;

// node-coap only knows the IANA formats it ships with; LwM2M's own must be
// registered once so both sides see names instead of raw numbers.
registerFormat('application/vnd.oma.lwm2m+tlv', contentFormats['application/vnd.oma.lwm2m+tlv']);
registerFormat('application/vnd.oma.lwm2m+json', contentFormats['application/vnd.oma.lwm2m+json']);

const byNumber = new Map<number, ContentFormatName>(
  Object.entries(contentFormats).map(([name, value]) => [value, name as ContentFormatName]),
);

/** The MIME name of a content format given as a number, a name, or a Buffer; text/plain when absent. */
export function contentFormatName(value: unknown): string {
  if (value === undefined || value === null) return 'text/plain';
  if (typeof value === 'number') return byNumber.get(value) ?? String(value);
  if (Buffer.isBuffer(value))
    return contentFormatName(value.length === 0 ? 0 : value.readUIntBE(0, value.length));
  return String(value).split(';')[0]!.trim();
}

/** The CoAP number for a MIME name, or undefined when LwM2M has no such format. */
export function contentFormatNumber(name: string): number | undefined {
  const key = name.split(';')[0]!.trim().toLowerCase();
  return (contentFormats as Record<string, number>)[key];
}
