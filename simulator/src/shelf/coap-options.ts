// Small helpers for CoAP option values (RFC 7252 §3.2: uint options are
// big-endian with leading zero bytes dropped, so 0 is the empty string).
import type { NamedOption, OptionName, ParsedPacket } from 'coap-packet';

export function uintOption(name: OptionName, value: number): NamedOption {
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return { name, value: Buffer.from(bytes) };
}

export function readUint(value: Buffer): number {
  let n = 0;
  for (const byte of value) n = n * 256 + byte;
  return n;
}

export function stringOptions(name: OptionName, values: readonly string[]): NamedOption[] {
  return values.map((v) => ({ name, value: Buffer.from(v) }));
}

export function optionValues(packet: Pick<ParsedPacket, 'options'>, name: OptionName): Buffer[] {
  return packet.options.filter((o) => o.name === name).map((o) => o.value);
}

export function optionUint(packet: Pick<ParsedPacket, 'options'>, name: OptionName): number | undefined {
  const value = optionValues(packet, name)[0];
  return value === undefined ? undefined : readUint(value);
}

/** Uri-Path segments of a request, e.g. ['10341', '0', '26342']. */
export function uriPath(packet: Pick<ParsedPacket, 'options'>): string[] {
  return optionValues(packet, 'Uri-Path').map((v) => v.toString());
}
