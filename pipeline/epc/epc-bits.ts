/**
 * Field access on a 96-bit EPC held as a bigint, bit 0 being the header's most significant bit
 * (GS1 EPC Tag Data Standard §14: fields are laid out MSB first from the start of the EPC bank's
 * EPC field). Pure: hex in, numbers out.
 */
export class EpcBits {
  readonly value: bigint;
  readonly lengthBits: number;

  constructor(hex: string) {
    this.lengthBits = hex.length * 4;
    this.value = BigInt(`0x${hex}`);
  }

  /** The unsigned integer of `widthBits` bits starting `offsetBits` from the most significant bit. */
  field(offsetBits: number, widthBits: number): bigint {
    if (widthBits === 0) return 0n;
    const shift = BigInt(this.lengthBits - offsetBits - widthBits);
    return (this.value >> shift) & ((1n << BigInt(widthBits)) - 1n);
  }
}

/**
 * A partition table row: how the 44 (SSCC) or so bits after the partition value split between the
 * company prefix and the next field. TDS §14.5 tables, one per scheme.
 */
export interface PartitionRow {
  companyPrefixBits: number;
  companyPrefixDigits: number;
  referenceBits: number;
  referenceDigits: number;
}

/**
 * A partition field decoded to digits, or a reason it is not a valid encoding: TDS §14.5.1 decoding
 * requires each value to fit its digit count (so a 40-bit prefix over 999 999 999 999 is refused).
 */
export function decodePartitioned(
  bits: EpcBits,
  offsetBits: number,
  table: readonly PartitionRow[],
): { partition: number; companyPrefix: string; reference: string; endBits: number } | { error: string } {
  const partition = Number(bits.field(offsetBits, 3));
  const row = table[partition];
  if (!row) return { error: `partition ${partition} is not defined` };
  const cpOffset = offsetBits + 3;
  const cp = bits.field(cpOffset, row.companyPrefixBits);
  const ref = bits.field(cpOffset + row.companyPrefixBits, row.referenceBits);
  const companyPrefix = cp.toString().padStart(row.companyPrefixDigits, '0');
  const reference = row.referenceDigits === 0 ? '' : ref.toString().padStart(row.referenceDigits, '0');
  if (companyPrefix.length !== row.companyPrefixDigits) {
    return { error: `company prefix ${cp} has more than ${row.companyPrefixDigits} digits` };
  }
  if (row.referenceDigits === 0 ? ref !== 0n : reference.length !== row.referenceDigits) {
    return { error: `reference ${ref} has more than ${row.referenceDigits} digits` };
  }
  return {
    partition,
    companyPrefix,
    reference,
    endBits: cpOffset + row.companyPrefixBits + row.referenceBits,
  };
}

/** Build a table from the TDS columns (prefix bits/digits, reference bits/digits), partitions 0..6. */
export function partitionTable(
  rows: ReadonlyArray<readonly [number, number, number, number]>,
): PartitionRow[] {
  return rows.map(([companyPrefixBits, companyPrefixDigits, referenceBits, referenceDigits]) => ({
    companyPrefixBits,
    companyPrefixDigits,
    referenceBits,
    referenceDigits,
  }));
}
