// LwM2M TLV (OMA-TS-LightweightM2M §6.4.3): the binary format a device may use
// for a single resource value. Only what a notification of one resource needs.

export interface TlvEntry {
  /** 0 object instance, 1 resource instance, 2 multiple resource, 3 resource with value. */
  type: number;
  id: number;
  value: Buffer;
}

/** Parses a sequence of TLV entries; throws on truncated or malformed input. */
export function parseTlv(bytes: Buffer): TlvEntry[] {
  const entries: TlvEntry[] = [];
  let at = 0;
  while (at < bytes.length) {
    const head = bytes[at++] as number;
    const type = head >> 6;
    const idBytes = head & 0x20 ? 2 : 1;
    const lengthType = (head >> 3) & 0x03;
    if (at + idBytes > bytes.length) throw new Error('truncated TLV identifier');
    const id = idBytes === 2 ? bytes.readUInt16BE(at) : (bytes[at] as number);
    at += idBytes;
    let length = head & 0x07;
    if (lengthType > 0) {
      if (at + lengthType > bytes.length) throw new Error('truncated TLV length');
      length = bytes.readUIntBE(at, lengthType);
      at += lengthType;
    }
    if (at + length > bytes.length) throw new Error('truncated TLV value');
    entries.push({ type, id, value: bytes.subarray(at, at + length) });
    at += length;
  }
  return entries;
}

/** The value of the one resource a notification carries, descending into instances. */
export function singleResourceValue(bytes: Buffer): Buffer {
  const entries = parseTlv(bytes);
  if (entries.length !== 1) throw new Error(`expected one TLV entry, got ${entries.length}`);
  const entry = entries[0] as TlvEntry;
  // An object instance or multiple resource wraps the resource: unwrap one level.
  if (entry.type === 0 || entry.type === 2) return singleResourceValue(entry.value);
  return entry.value;
}

/** TLV integers are big-endian two's complement of 1, 2, 4 or 8 bytes. */
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
        throw new Error('TLV integer out of range');
      return Number(big);
    }
    default:
      throw new Error(`TLV integer of ${value.length} bytes`);
  }
}
