import type { DecodedEpc } from './decoded-epc.js';
import { EpcBits } from './epc-bits.js';
import { decodeGrai96, GRAI96_HEADER } from './grai-96.js';
import { decodeSgtin96, SGTIN96_HEADER } from './sgtin-96.js';
import { decodeSscc96, SSCC96_HEADER } from './sscc-96.js';

type SchemeDecoder = (bits: EpcBits, hex: string) => DecodedEpc | { error: string };

/** Header byte → 96-bit decoder (TDS Table 14-1). Other GS1 headers are known by name only. */
const DECODERS: ReadonlyMap<number, { name: string; decode: SchemeDecoder }> = new Map([
  [SGTIN96_HEADER, { name: 'sgtin-96', decode: decodeSgtin96 }],
  [SSCC96_HEADER, { name: 'sscc-96', decode: decodeSscc96 }],
  [GRAI96_HEADER, { name: 'grai-96', decode: decodeGrai96 }],
]);

/** GS1 headers this module recognises but does not decode yet (formats.md §3.1). */
const NOT_DECODED: ReadonlyMap<number, string> = new Map([
  [0x2c, 'gdti-96'],
  [0x2d, 'gsrn-96'],
  [0x32, 'sgln-96'],
  [0x34, 'giai-96'],
  [0x35, 'gid-96'],
  [0x36, 'sgtin-198'],
  [0x37, 'grai-170'],
  [0x38, 'giai-202'],
  [0x39, 'sgln-195'],
  [0x3c, 'cpi-96'],
  [0x3e, 'gdti-174'],
  [0x3f, 'sgcn-96'],
]);

function raw(hex: string, reason: string, header?: number): DecodedEpc {
  return {
    kind: 'raw',
    hex,
    ...(header === undefined ? {} : { header }),
    reason,
    rawUri: `urn:epc:raw:${hex.length * 4}.x${hex}`,
  };
}

/**
 * Decode an EPC (hex, as readers report the EPC bank's EPC field) to its GS1 identity. Never throws:
 * a value that is not a decodable GS1 EPC — a non-GS1 header, a TID-like `E2…` value, a wrong
 * length, a field out of range — comes back as `kind: 'raw'` with the reason, passed through
 * unchanged (formats.md §3.1 pitfalls: epc-tds#5, epctagcoder#9).
 */
export function decodeEpc(input: string): DecodedEpc {
  const hex = input.trim().replace(/^0x/i, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex)) return raw(hex, 'not hexadecimal');
  if (hex.length < 2) return raw(hex, 'shorter than a header byte');
  const header = parseInt(hex.slice(0, 2), 16);
  const decoder = DECODERS.get(header);
  if (!decoder) {
    const known = NOT_DECODED.get(header);
    const why = known
      ? `header 0x${hex.slice(0, 2)} (${known}) is a GS1 scheme not decoded here`
      : `unknown header 0x${hex.slice(0, 2)}: not a GS1 EPC binary encoding`;
    return raw(hex, why, header);
  }
  if (hex.length !== 24) {
    return raw(hex, `${decoder.name} is 96 bits (24 hex digits), got ${hex.length * 4} bits`, header);
  }
  const decoded = decoder.decode(new EpcBits(hex), hex);
  return 'error' in decoded ? raw(hex, `invalid ${decoder.name}: ${decoded.error}`, header) : decoded;
}

/** The pure identity URI when the EPC decodes, else the raw URI: always a URN for an epcList. */
export function epcToUri(hex: string): string {
  const decoded = decodeEpc(hex);
  return decoded.kind === 'gs1' ? decoded.idUri : decoded.rawUri;
}
