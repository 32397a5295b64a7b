import type { DecodedEpc } from './decoded-epc.js';
import { decodePartitioned, partitionTable, type EpcBits } from './epc-bits.js';

/**
 * GRAI-96, GS1 EPC TDS §14.5.4 (returnable assets, e.g. pallets or crates owned as assets):
 *
 *   header 8 (0x33) | filter 3 | partition 3 | company prefix M | asset type N | serial 38
 *
 * With a 12-digit company prefix the asset type has no digits (partition 0: 4 bits, 0 digits).
 */
export const GRAI96_HEADER = 0x33;

// partition → company prefix bits/digits, asset type bits/digits (TDS Table 14-11).
const TABLE = partitionTable([
  [40, 12, 4, 0],
  [37, 11, 7, 1],
  [34, 10, 10, 2],
  [30, 9, 14, 3],
  [27, 8, 17, 4],
  [24, 7, 20, 5],
  [20, 6, 24, 6],
]);

export function decodeGrai96(bits: EpcBits, hex: string): DecodedEpc | { error: string } {
  const filter = Number(bits.field(8, 3));
  const parts = decodePartitioned(bits, 11, TABLE);
  if ('error' in parts) return parts;
  const serial = bits.field(58, 38).toString();
  const { partition, companyPrefix, reference } = parts;
  return {
    kind: 'gs1',
    scheme: 'grai-96',
    hex,
    filter,
    partition,
    companyPrefix,
    idUri: `urn:epc:id:grai:${companyPrefix}.${reference}.${serial}`,
    tagUri: `urn:epc:tag:grai-96:${filter}.${companyPrefix}.${reference}.${serial}`,
    fields: { assetType: reference, serial },
  };
}
