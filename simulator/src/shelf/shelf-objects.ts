// The LwM2M objects a shelf exposes: the Server object /1/0, the Device object
// /3/0 and the shelf object /10341/0 (26341 product id, 26342 item count,
// 26343 empty flag), and how a read of any of their paths is encoded.
import { encodeTlv, tlvIntegerBytes, type TlvEntry } from '@shelfpulse/core/lwm2m/tlv';
import { contentFormats } from '../lwm2m/content-format.ts';

export const SHELF_OBJECT = 10341;
export const PRODUCT_ID = 26341;
export const ITEM_COUNT = 26342;
export const EMPTY_FLAG = 26343;

type Value = string | number | boolean | number[];

export interface ShelfIdentity {
  endpoint: string;
  productId: string;
  lifetimeSeconds: number;
  manufacturer: string;
  model: string;
  firmwareVersion: string;
}

export interface ReadResult {
  code: string;
  format?: number | undefined;
  payload: Buffer;
}

const TEXT = contentFormats['text/plain'];
const TLV = contentFormats['application/vnd.oma.lwm2m+tlv'];
const LINK = contentFormats['application/link-format'];

function tlvValue(value: Value): Buffer {
  if (typeof value === 'string') return Buffer.from(value);
  if (typeof value === 'boolean') return Buffer.from([value ? 1 : 0]);
  if (typeof value === 'number') return tlvIntegerBytes(value);
  throw new Error('multiple resources have no single value');
}

function tlvResource(id: number, value: Value): TlvEntry {
  if (Array.isArray(value)) {
    return {
      kind: 'multiple-resource',
      id,
      value: Buffer.alloc(0),
      children: value.map((v, i) => ({
        kind: 'resource-instance',
        id: i,
        value: tlvIntegerBytes(v),
        children: [],
      })),
    };
  }
  return { kind: 'resource', id, value: tlvValue(value), children: [] };
}

function text(value: Value): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

export class ShelfObjects {
  private readonly identity: ShelfIdentity;
  count: number;

  constructor(identity: ShelfIdentity, count: number) {
    this.identity = identity;
    this.count = count;
  }

  /** Resources by object id → instance 0 → resource id. */
  private objects(): Map<number, Map<number, Value>> {
    const id = this.identity;
    return new Map([
      [
        1,
        new Map<number, Value>([
          [0, 1], // short server id
          [1, id.lifetimeSeconds],
          [6, false], // notification storing when offline
          [7, 'U'],
        ]),
      ],
      [
        3,
        new Map<number, Value>([
          [0, id.manufacturer],
          [1, id.model],
          [2, id.endpoint],
          [3, id.firmwareVersion],
          [11, [0]], // error code: no error
          [16, 'U'],
        ]),
      ],
      [
        SHELF_OBJECT,
        new Map<number, Value>([
          [PRODUCT_ID, id.productId],
          [ITEM_COUNT, this.count],
          [EMPTY_FLAG, this.count === 0],
        ]),
      ],
    ]);
  }

  /**
   * The registration payload: the object instances, and (as Mbed clients do) the
   * shelf's resources with `obs` on the observable ones, so a pre-subscription
   * without paths picks up the count and the empty flag.
   */
  linkFormat(): string {
    const shelf = `/${SHELF_OBJECT}/0`;
    return [
      ...[...this.objects().keys()].map((o) => `</${o}/0>`),
      `<${shelf}/${PRODUCT_ID}>`,
      `<${shelf}/${ITEM_COUNT}>;obs`,
      `<${shelf}/${EMPTY_FLAG}>;obs`,
    ].join(',');
  }

  /** Reads a path (['10341', '0', '26342']) in the requested format (undefined: the default). */
  read(path: readonly string[], accept: number | undefined): ReadResult {
    const [objectText, instanceText, resourceText, extra] = path;
    const resources = this.objects().get(Number(objectText));
    if (!resources || extra !== undefined || (instanceText !== undefined && instanceText !== '0')) {
      return { code: '4.04', payload: Buffer.alloc(0) };
    }
    if (accept === LINK) return this.discover(Number(objectText), resources, resourceText);
    if (resourceText === undefined) {
      if (accept !== undefined && accept !== TLV) return { code: '4.06', payload: Buffer.alloc(0) };
      const entries = [...resources].map(([rid, value]) => tlvResource(rid, value));
      const body =
        instanceText === undefined
          ? [{ kind: 'object-instance' as const, id: 0, value: Buffer.alloc(0), children: entries }]
          : entries;
      return { code: '2.05', format: TLV, payload: encodeTlv(body) };
    }
    const value = resources.get(Number(resourceText));
    if (value === undefined || !/^\d+$/.test(resourceText)) return { code: '4.04', payload: Buffer.alloc(0) };
    if (accept === TLV || (accept === undefined && Array.isArray(value))) {
      return { code: '2.05', format: TLV, payload: encodeTlv([tlvResource(Number(resourceText), value)]) };
    }
    if (accept !== undefined && accept !== TEXT) return { code: '4.06', payload: Buffer.alloc(0) };
    if (Array.isArray(value)) return { code: '4.06', payload: Buffer.alloc(0) };
    return { code: '2.05', format: TEXT, payload: Buffer.from(text(value)) };
  }

  private discover(
    objectId: number,
    resources: Map<number, Value>,
    resourceText: string | undefined,
  ): ReadResult {
    const ids = resourceText === undefined ? [...resources.keys()] : [Number(resourceText)];
    const links = [`</${objectId}/0>`, ...ids.map((r) => `</${objectId}/0/${r}>`)];
    return { code: '2.05', format: LINK, payload: Buffer.from(links.join(',')) };
  }
}
