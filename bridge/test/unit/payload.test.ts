import { describe, expect, it } from 'vitest';
import { decodeCount, decodeText } from '../../src/payload.ts';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

// A single resource TLV: type 11, 8-bit id, length in the low bits.
function tlvResource(id: number, value: Buffer): Buffer {
  if (value.length <= 7) return Buffer.concat([Buffer.from([0xc0 | value.length, id]), value]);
  return Buffer.concat([Buffer.from([0xc8, id, value.length]), value]);
}

describe('decodeCount', () => {
  it('reads text payloads whatever way the content type is written', () => {
    expect(decodeCount(b64('12'), 'text/plain')).toEqual({ ok: true, value: 12 });
    expect(decodeCount(b64('7'), undefined)).toEqual({ ok: true, value: 7 });
    expect(decodeCount(b64(' 0\n'), '0')).toEqual({ ok: true, value: 0 });
    expect(decodeCount(b64('24'), 'application/vnd.oma.lwm2m+text; charset=utf-8')).toEqual({
      ok: true,
      value: 24,
    });
  });

  it('reads TLV integers of 1, 2, 4 and 8 bytes, also wrapped in an object instance', () => {
    expect(decodeCount(b64(tlvResource(0x42, Buffer.from([5]))), 'application/vnd.oma.lwm2m+tlv')).toEqual({
      ok: true,
      value: 5,
    });
    const two = Buffer.alloc(2);
    two.writeInt16BE(300);
    expect(decodeCount(b64(tlvResource(1, two)), '11542')).toEqual({ ok: true, value: 300 });
    const eight = Buffer.alloc(8);
    eight.writeBigInt64BE(40n);
    expect(decodeCount(b64(tlvResource(1, eight)), '1542')).toEqual({ ok: true, value: 40 });
    // 16-bit resource id 26342 inside object instance 0.
    const inner = Buffer.from([0xe1, 0x66, 0xe6, 9]);
    const instance = Buffer.concat([Buffer.from([0x00 | inner.length, 0]), inner]);
    expect(decodeCount(b64(instance), 'application/vnd.oma.lwm2m+tlv')).toEqual({ ok: true, value: 9 });
  });

  it('names the reason for every kind of bad payload', () => {
    const reason = (payload: string | undefined, ct?: string): string | undefined => {
      const r = decodeCount(payload, ct);
      return r.ok ? undefined : r.reason;
    };
    expect(reason(undefined)).toBe('missing-payload');
    expect(reason('!!not base64!!')).toBe('bad-base64');
    expect(reason('YWJj=')).toBe('bad-base64');
    expect(reason(b64('twelve'), 'text/plain')).toBe('not-a-number');
    expect(reason(b64('1.5'), 'text/plain')).toBe('not-a-number');
    expect(reason(b64('-3'), 'text/plain')).toBe('out-of-range');
    expect(reason(b64('99999999999'), 'text/plain')).toBe('out-of-range');
    expect(reason(b64('5'), 'application/json')).toBe('unsupported-content-type');
    expect(reason(b64(Buffer.from([0xc4, 1, 0])), 'application/vnd.oma.lwm2m+tlv')).toBe('bad-tlv');
    expect(reason(b64(tlvResource(1, Buffer.from([1, 2, 3]))), 'application/vnd.oma.lwm2m+tlv')).toBe(
      'bad-tlv',
    );
    expect(reason('', 'text/plain')).toBe('not-a-number');
    // Nested deeper than LwM2M allows, and a 64-bit count past the safe-integer range.
    const nested = Buffer.from([0x06, 0, 0x84, 1, 0x82, 2, 0x80, 3]);
    expect(decodeCount(b64(nested), '11542')).toEqual({
      ok: false,
      reason: 'bad-tlv',
      detail: 'TLV nested deeper than 3 levels',
    });
    const huge = Buffer.alloc(8);
    huge.writeBigInt64BE(2n ** 60n);
    expect(reason(b64(tlvResource(1, huge)), '11542')).toBe('bad-tlv');
  });
});

describe('decodeCount, decoded once per distinct payload', () => {
  it('keys what it remembers by content type as well as payload', () => {
    // The bytes of "17" as text, then the same base64 read as an LwM2M TLV resource.
    const payload = b64('17');
    expect(decodeCount(payload, 'text/plain')).toEqual({ ok: true, value: 17 });
    expect(decodeCount(payload, 'text/plain')).toEqual({ ok: true, value: 17 });
    expect(decodeCount(payload, 'application/vnd.oma.lwm2m+tlv').ok).toBe(false);
    expect(decodeCount(payload, 'text/plain;charset=utf-8')).toEqual({ ok: true, value: 17 });
  });

  it('stays right after more distinct payloads than it keeps', () => {
    for (let i = 0; i < 10_000; i++)
      expect(decodeCount(b64(String(i)), 'text/plain')).toEqual({ ok: true, value: i });
    expect(decodeCount(b64('42'), 'text/plain')).toEqual({ ok: true, value: 42 });
  });
});

describe('decodeText', () => {
  it('reads a product id as text or TLV string and refuses junk', () => {
    expect(decodeText(b64('sku-123'), 'text/plain')).toEqual({ ok: true, value: 'sku-123' });
    expect(decodeText(b64(tlvResource(0x41, Buffer.from('oat-milk_1l'))), '11542')).toEqual({
      ok: true,
      value: 'oat-milk_1l',
    });
    const bad = decodeText(b64('a b,c'), 'text/plain');
    expect(bad.ok ? undefined : bad.reason).toBe('bad-text');
  });
});
