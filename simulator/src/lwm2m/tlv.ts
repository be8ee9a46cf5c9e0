// LwM2M 1.0 TLV (application/vnd.oma.lwm2m+tlv, section 6.4.3 of the spec).
// Decoding never trusts a length field: a truncated buffer is an error.
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

const maxDepth = 3;

export function decodeTlv(buffer: Buffer, depth = 0): TlvEntry[] {
  if (depth > maxDepth) throw new TlvError('TLV nested too deeply');
  const entries: TlvEntry[] = [];
  let offset = 0;
  const need = (n: number): void => {
    if (offset + n > buffer.length) throw new TlvError(`TLV truncated at byte ${offset}`);
  };
  while (offset < buffer.length) {
    const type = buffer[offset]!;
    offset += 1;
    const kind = tlvKinds[type >> 6]!;
    const idBytes = type & 0x20 ? 2 : 1;
    need(idBytes);
    const id = buffer.readUIntBE(offset, idBytes);
    offset += idBytes;
    const lengthType = (type >> 3) & 0x03;
    let length = type & 0x07;
    if (lengthType > 0) {
      need(lengthType);
      length = buffer.readUIntBE(offset, lengthType);
      offset += lengthType;
    }
    need(length);
    const body = buffer.subarray(offset, offset + length);
    offset += length;
    const container = kind === 'object-instance' || kind === 'multiple-resource';
    entries.push({
      kind,
      id,
      value: container ? Buffer.alloc(0) : Buffer.from(body),
      children: container ? decodeTlv(body, depth + 1) : [],
    });
  }
  return entries;
}

export function encodeTlv(entries: readonly TlvEntry[]): Buffer {
  return Buffer.concat(
    entries.map((entry) => {
      const body =
        entry.kind === 'object-instance' || entry.kind === 'multiple-resource'
          ? encodeTlv(entry.children)
          : entry.value;
      if (entry.id < 0 || entry.id > 0xffff) throw new TlvError(`TLV id ${entry.id} out of range`);
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

/** A TLV integer value: big-endian two's complement in 1, 2, 4 or 8 bytes. */
export function tlvInteger(value: Buffer): number {
  switch (value.length) {
    case 1:
      return value.readInt8(0);
    case 2:
      return value.readInt16BE(0);
    case 4:
      return value.readInt32BE(0);
    case 8:
      return Number(value.readBigInt64BE(0));
    default:
      throw new TlvError(`TLV integer of ${value.length} bytes`);
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
