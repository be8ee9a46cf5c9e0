// The one LwM2M TLV codec: what the simulator encodes, the bridge must decode,
// and whatever a device sends, the decoder either reads exactly or refuses
// with a TlvError (the bridge counts that as `bad-tlv`).
import { describe, expect, it } from 'vitest';
import {
  TlvError,
  decodeTlv,
  encodeTlv,
  singleResourceValue,
  tlvInteger,
  tlvIntegerBytes,
  type TlvEntry,
} from '../../../src/lwm2m/tlv.ts';

const resource = (id: number, value: Buffer): TlvEntry => ({ kind: 'resource', id, value, children: [] });
const container = (
  kind: 'object-instance' | 'multiple-resource',
  id: number,
  children: TlvEntry[],
): TlvEntry => ({
  kind,
  id,
  value: Buffer.alloc(0),
  children,
});
const int64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

describe('TLV decoding', () => {
  it('decodes the example of the LwM2M 1.0 specification (device object, instance 0)', () => {
    // Manufacturer "Open Mobile Alliance" (id 0) and a multiple resource 6 with two instances.
    const bytes = Buffer.concat([
      Buffer.from([0xc8, 0x00, 0x14]),
      Buffer.from('Open Mobile Alliance'),
      Buffer.from([0x86, 0x06, 0x41, 0x00, 0x01, 0x41, 0x01, 0x05]),
    ]);
    const [manufacturer, sources] = decodeTlv(bytes);
    expect(manufacturer).toMatchObject({ kind: 'resource', id: 0 });
    expect(manufacturer!.value.toString()).toBe('Open Mobile Alliance');
    expect(sources).toMatchObject({ kind: 'multiple-resource', id: 6 });
    expect(sources!.children.map((c) => [c.kind, c.id, tlvInteger(c.value)])).toEqual([
      ['resource-instance', 0, 1],
      ['resource-instance', 1, 5],
    ]);
    expect(encodeTlv(decodeTlv(bytes))).toEqual(bytes);
  });

  it('reads the deepest nesting LwM2M has and refuses one level more', () => {
    const instance = (id: number) => ({
      kind: 'resource-instance' as const,
      id,
      value: Buffer.from([id]),
      children: [],
    });
    const deepest = container('object-instance', 0, [
      container('multiple-resource', 6, [instance(0), instance(1)]),
    ]);
    expect(decodeTlv(encodeTlv([deepest]))).toEqual([deepest]);

    const tooDeep = container('object-instance', 0, [
      container('multiple-resource', 6, [container('multiple-resource', 1, [])]),
    ]);
    expect(() => decodeTlv(encodeTlv([tooDeep]))).toThrow(new TlvError('TLV nested deeper than 3 levels'));
  });

  it('refuses truncated input, naming the part cut off', () => {
    expect(() => decodeTlv(Buffer.from([0xc8, 0x00, 0x14, 0x41]))).toThrow(
      new TlvError('TLV value truncated at byte 3'),
    );
    expect(() => decodeTlv(Buffer.from([0xe0]))).toThrow(new TlvError('TLV identifier truncated at byte 1'));
    expect(() => decodeTlv(Buffer.from([0xd0, 0x01, 0x00]))).toThrow(
      new TlvError('TLV length truncated at byte 2'),
    );
    expect(() => decodeTlv(Buffer.from([0xc4, 0x01, 0x00]))).toThrow(/value truncated/);
  });

  it('gives entries that keep their value when the input buffer is reused', () => {
    const bytes = encodeTlv([resource(1, Buffer.from('sku-1'))]);
    const [entry] = decodeTlv(bytes);
    bytes.fill(0);
    expect(entry!.value.toString()).toBe('sku-1');
  });
});

describe('the value of a single-resource payload', () => {
  it('is the resource itself, or the one resource inside an object instance or multiple resource', () => {
    expect(singleResourceValue(encodeTlv([resource(0x42, Buffer.from([5]))]))).toEqual(Buffer.from([5]));
    // 16-bit resource id 26342 inside object instance 0.
    expect(singleResourceValue(Buffer.from([0x04, 0x00, 0xe1, 0x66, 0xe6, 0x09]))).toEqual(Buffer.from([9]));
    const one = { kind: 'resource-instance' as const, id: 0, value: Buffer.from('x'), children: [] };
    expect(singleResourceValue(encodeTlv([container('multiple-resource', 3, [one])]))).toEqual(
      Buffer.from('x'),
    );
  });

  it('is refused when there are none or several', () => {
    expect(() => singleResourceValue(Buffer.alloc(0))).toThrow(new TlvError('expected one TLV entry, got 0'));
    const two = encodeTlv([resource(1, Buffer.from([1])), resource(2, Buffer.from([2]))]);
    expect(() => singleResourceValue(two)).toThrow(new TlvError('expected one TLV entry, got 2'));
    expect(() => singleResourceValue(encodeTlv([container('object-instance', 0, [])]))).toThrow(/got 0/);
  });
});

describe('TLV integers', () => {
  it('round-trip in the shortest width, from 1 to 8 bytes', () => {
    for (const n of [
      0,
      -1,
      127,
      -128,
      300,
      70_000,
      -3_000_000_000,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ])
      expect(tlvInteger(tlvIntegerBytes(n))).toBe(n);
    expect([0, 300, 70_000, 2 ** 40].map((n) => tlvIntegerBytes(n).length)).toEqual([1, 2, 4, 8]);
  });

  it('refuse values a JS number cannot hold exactly, both ways', () => {
    expect(() => tlvInteger(int64(BigInt(Number.MAX_SAFE_INTEGER) + 1n))).toThrow(
      new TlvError('TLV integer 9007199254740992 is outside the safe-integer range'),
    );
    expect(() => tlvInteger(int64(-(2n ** 63n)))).toThrow(/outside the safe-integer range/);
    for (const bad of [2 ** 53, 1.5, Number.NaN, Infinity])
      expect(() => tlvIntegerBytes(bad)).toThrow(new TlvError(`${bad} is not a safe integer`));
  });

  it('refuse widths other than 1, 2, 4 and 8 bytes', () => {
    for (const width of [0, 3, 5, 16])
      expect(() => tlvInteger(Buffer.alloc(width))).toThrow(
        new TlvError(`TLV integer of ${width} bytes (must be 1, 2, 4 or 8)`),
      );
  });
});

describe('TLV encoding', () => {
  it('writes long values with length fields and 16-bit ids', () => {
    const long = resource(26342, Buffer.alloc(300, 1));
    const bytes = encodeTlv([long]);
    // Resource, 16-bit id, 16-bit length: 0b11_1_10_000.
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from([0xf0, 0x66, 0xe6, 0x01, 0x2c]));
    expect(decodeTlv(bytes)).toEqual([long]);
  });

  it('refuses ids outside 0..65535 and values over 16 MiB', () => {
    for (const id of [-1, 65_536, 1.5])
      expect(() => encodeTlv([resource(id, Buffer.alloc(0))])).toThrow(
        new TlvError(`TLV id ${id} is not an integer from 0 to 65535`),
      );
    expect(() => encodeTlv([resource(1, Buffer.alloc(0x1000000))])).toThrow(/longer than 16 MiB/);
  });
});
