import type { DecodedEpc } from './decoded-epc.js';
import { decodePartitioned, partitionTable, type EpcBits } from './epc-bits.js';

/**
 * SSCC-96, GS1 EPC TDS §14.5.2 (pallets):
 *
 *   header 8 (0x31) | filter 3 | partition 3 | company prefix M | serial reference N | unallocated 24 (zero)
 *
 * The serial reference starts with the SSCC's extension digit.
 */
export const SSCC96_HEADER = 0x31;

// partition → company prefix bits/digits, serial reference bits/digits (TDS Table 14-6).
const TABLE = partitionTable([
  [40, 12, 18, 5],
  [37, 11, 21, 6],
  [34, 10, 24, 7],
  [30, 9, 28, 8],
  [27, 8, 31, 9],
  [24, 7, 34, 10],
  [20, 6, 38, 11],
]);

export function decodeSscc96(bits: EpcBits, hex: string): DecodedEpc | { error: string } {
  const filter = Number(bits.field(8, 3));
  const parts = decodePartitioned(bits, 11, TABLE);
  if ('error' in parts) return parts;
  if (bits.field(72, 24) !== 0n) return { error: 'the 24 unallocated bits must be zero' };
  const { partition, companyPrefix, reference } = parts;
  return {
    kind: 'gs1',
    scheme: 'sscc-96',
    hex,
    filter,
    partition,
    companyPrefix,
    idUri: `urn:epc:id:sscc:${companyPrefix}.${reference}`,
    tagUri: `urn:epc:tag:sscc-96:${filter}.${companyPrefix}.${reference}`,
    fields: { serialReference: reference },
  };
}
