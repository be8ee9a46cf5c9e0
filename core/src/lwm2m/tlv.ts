// LwM2M 1.0 TLV (application/vnd.oma.lwm2m+tlv, OMA-TS-LightweightM2M §6.4.3):
// the one codec of the simulator (which encodes its resources) and the bridge
// (which decodes notifications). Decoding never trusts its input: a length
// past the end, nesting deeper than LwM2M allows, or an integer a JS number
// cannot hold exactly is a TlvError naming what is wrong.
export const tlvKinds = ['object-instance', 'resource-instance', 'multiple-resource', 'resource'] as const;
export type TlvKind = (typeof tlvKinds)[number];

export interface TlvEntry {
  kind: TlvKind;
  id: number;
  /** Raw value for `resource` and `resource-instance`; empty for containers. */
  value: Buffer;
  /** Nested entries for `object-instance` and `multiple-resource`. */
  children: TlvEntry[];
}

export class TlvError extends Error {
  override name = 'TlvError';
}

/** Object instance → multiple resource → resource instance: LwM2M never nests deeper. */
export const maxTlvLevels = 3;

const isContainer = (kind: TlvKind): boolean => kind === 'object-instance' || kind === 'multiple-resource';

/** Decodes a sequence of TLV entries and the entries nested in them. */
export function decodeTlv(buffer: Buffer): TlvEntry[] {
  return decodeLevel(buffer, 1);
}

function decodeLevel(buffer: Buffer, level: number): TlvEntry[] {
  if (level > maxTlvLevels) throw new TlvError(`TLV nested deeper than ${maxTlvLevels} levels`);
  const entries: TlvEntry[] = [];
  let offset = 0;
  const need = (n: number, what: string): void => {
    if (offset + n > buffer.length) throw new TlvError(`TLV ${what} truncated at byte ${offset}`);
  };
  while (offset < buffer.length) {
    const type = buffer[offset]!;
    offset += 1;
    const kind = tlvKinds[type >> 6]!;
    const idBytes = type & 0x20 ? 2 : 1;
    need(idBytes, 'identifier');
    const id = buffer.readUIntBE(offset, idBytes);
    offset += idBytes;
    const lengthType = (type >> 3) & 0x03;
    let length = type & 0x07;
    if (lengthType > 0) {
      need(lengthType, 'length');
      length = buffer.readUIntBE(offset, lengthType);
      offset += lengthType;
    }
    need(length, 'value');
    const body = buffer.subarray(offset, offset + length);
    offset += length;
    const container = isContainer(kind);
    entries.push({
      kind,
      id,
      // A copy: the entry must not change when the caller reuses its buffer.
      value: container ? Buffer.alloc(0) : Buffer.from(body),
      children: container ? decodeLevel(body, level + 1) : [],
    });
  }
  return entries;
}

/**
 * The value of the one resource a payload carries (a notification of one
 * resource), unwrapping the object instance or multiple resource around it.
 */
export function singleResourceValue(bytes: Buffer): Buffer {
  let entries = decodeTlv(bytes);
  for (;;) {
    if (entries.length !== 1) throw new TlvError(`expected one TLV entry, got ${entries.length}`);
    const entry = entries[0]!;
    if (!isContainer(entry.kind)) return entry.value;
    entries = entry.children;
  }
}

export function encodeTlv(entries: readonly TlvEntry[]): Buffer {
  return Buffer.concat(
    entries.map((entry) => {
      const body = isContainer(entry.kind) ? encodeTlv(entry.children) : entry.value;
      if (!Number.isInteger(entry.id) || entry.id < 0 || entry.id > 0xffff)
        throw new TlvError(`TLV id ${entry.id} is not an integer from 0 to 65535`);
      if (body.length > 0xffffff) throw new TlvError('TLV value longer than 16 MiB');
      const idBytes = entry.id > 0xff ? 2 : 1;
      const lengthBytes = body.length < 8 ? 0 : body.length <= 0xff ? 1 : body.length <= 0xffff ? 2 : 3;
      const header = Buffer.alloc(1 + idBytes + lengthBytes);
      header[0] =
        (tlvKinds.indexOf(entry.kind) << 6) |
        (idBytes === 2 ? 0x20 : 0) |
        (lengthBytes << 3) |
        (lengthBytes === 0 ? body.length : 0);
      header.writeUIntBE(entry.id, 1, idBytes);
      if (lengthBytes > 0) header.writeUIntBE(body.length, 1 + idBytes, lengthBytes);
      return Buffer.concat([header, body]);
    }),
  );
}

/** A TLV integer value: big-endian two's complement in 1, 2, 4 or 8 bytes, within the safe-integer range. */
export function tlvInteger(value: Buffer): number {
  switch (value.length) {
    case 1:
      return value.readInt8(0);
    case 2:
      return value.readInt16BE(0);
    case 4:
      return value.readInt32BE(0);
    case 8: {
      const big = value.readBigInt64BE(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER))
        throw new TlvError(`TLV integer ${big} is outside the safe-integer range`);
      return Number(big);
    }
    default:
      throw new TlvError(`TLV integer of ${value.length} bytes (must be 1, 2, 4 or 8)`);
  }
}

/** Encodes an integer in the shortest TLV width that holds it. */
export function tlvIntegerBytes(value: number): Buffer {
  if (!Number.isSafeInteger(value)) throw new TlvError(`${value} is not a safe integer`);
  if (value >= -0x80 && value <= 0x7f) return Buffer.from([value & 0xff]);
  if (value >= -0x8000 && value <= 0x7fff) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    return b;
  }
  if (value >= -0x80000000 && value <= 0x7fffffff) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return b;
  }
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(value));
  return b;
}
