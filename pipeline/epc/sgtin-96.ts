import type { DecodedEpc } from './decoded-epc.js';
import { decodePartitioned, partitionTable, type EpcBits } from './epc-bits.js';

/**
 * SGTIN-96, GS1 EPC TDS §14.5.1 (trade items):
 *
 *   header 8 (0x30) | filter 3 | partition 3 | company prefix M | item reference N | serial 38
 *
 * The item reference starts with the GTIN's indicator digit; the serial is an integer without
 * leading zeros (TDS §14.3.1: SGTIN-96 serials are numeric only).
 */
export const SGTIN96_HEADER = 0x30;

// partition → company prefix bits/digits, indicator + item reference bits/digits (TDS Table 14-2).
const TABLE = partitionTable([
  [40, 12, 4, 1],
  [37, 11, 7, 2],
  [34, 10, 10, 3],
  [30, 9, 14, 4],
  [27, 8, 17, 5],
  [24, 7, 20, 6],
  [20, 6, 24, 7],
]);

export function decodeSgtin96(bits: EpcBits, hex: string): DecodedEpc | { error: string } {
  const filter = Number(bits.field(8, 3));
  const parts = decodePartitioned(bits, 11, TABLE);
  if ('error' in parts) return parts;
  const serial = bits.field(58, 38).toString();
  const { partition, companyPrefix, reference } = parts;
  return {
    kind: 'gs1',
    scheme: 'sgtin-96',
    hex,
    filter,
    partition,
    companyPrefix,
    idUri: `urn:epc:id:sgtin:${companyPrefix}.${reference}.${serial}`,
    tagUri: `urn:epc:tag:sgtin-96:${filter}.${companyPrefix}.${reference}.${serial}`,
    fields: { itemReference: reference, serial },
  };
}
