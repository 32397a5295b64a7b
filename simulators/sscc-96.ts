/**
 * SSCC-96, the EPC binary encoding of a GS1 Serial Shipping Container Code (pallets).
 * GS1 EPC Tag Data Standard, SSCC-96 coding table (see shared/reference/formats.md §3.1):
 *
 *   header 8 (0x31) | filter 3 | partition 3 | company prefix M bits | serial reference N bits | 24 unallocated (0)
 *
 *   partition  company prefix bits/digits  serial reference bits/digits
 *       0            40 / 12                      18 / 5
 *       1            37 / 11                      21 / 6
 *       2            34 / 10                      24 / 7
 *       3            30 / 9                       28 / 8
 *       4            27 / 8                       31 / 9
 *       5            24 / 7                       34 / 10
 *       6            20 / 6                       38 / 11
 *
 * The serial reference starts with the SSCC's extension digit. The 18-digit SSCC (AI 00) is
 * extension digit + company prefix + rest of the serial reference + GS1 mod-10 check digit.
 * Filter values (TDS table for SSCC): 0 all others, 2 full case for transport, 6 unit load.
 */
export const SSCC96_HEADER = 0x31;

/** Filter value for a unit load (a pallet), TDS SSCC filter table. */
export const SSCC_FILTER_UNIT_LOAD = 6;

const PARTITIONS: ReadonlyArray<{ cpBits: number; cpDigits: number; srBits: number; srDigits: number }> = [
  { cpBits: 40, cpDigits: 12, srBits: 18, srDigits: 5 },
  { cpBits: 37, cpDigits: 11, srBits: 21, srDigits: 6 },
  { cpBits: 34, cpDigits: 10, srBits: 24, srDigits: 7 },
  { cpBits: 30, cpDigits: 9, srBits: 28, srDigits: 8 },
  { cpBits: 27, cpDigits: 8, srBits: 31, srDigits: 9 },
  { cpBits: 24, cpDigits: 7, srBits: 34, srDigits: 10 },
  { cpBits: 20, cpDigits: 6, srBits: 38, srDigits: 11 },
];

export interface Sscc96 {
  filter: number;
  partition: number;
  /** GS1 company prefix, 6 to 12 digits. */
  companyPrefix: string;
  /** Extension digit followed by the serial number; 17 minus the prefix length digits. */
  serialReference: string;
}

export class Sscc96Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** GS1 mod-10 check digit (GS1 General Specifications, check digit calculation): weights 3,1,3,… from the right. */
export function gs1CheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new Sscc96Error(`check digit input must be digits, got "${digits}"`);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const weight = (digits.length - i) % 2 === 1 ? 3 : 1;
    sum += weight * Number(digits[i]);
  }
  return (10 - (sum % 10)) % 10;
}

/** The 18-digit SSCC, check digit included. */
export function toSscc(value: Pick<Sscc96, 'companyPrefix' | 'serialReference'>): string {
  const { companyPrefix, serialReference } = value;
  const body = `${serialReference.slice(0, 1)}${companyPrefix}${serialReference.slice(1)}`;
  if (!/^\d{17}$/.test(body)) {
    throw new Sscc96Error(
      `company prefix + serial reference must be 17 digits, got ${companyPrefix}/${serialReference}`,
    );
  }
  return `${body}${gs1CheckDigit(body)}`;
}

export function isValidSscc(sscc: string): boolean {
  return /^\d{18}$/.test(sscc) && gs1CheckDigit(sscc.slice(0, 17)) === Number(sscc[17]);
}

/** Encode to 24 upper-case hex digits. The partition follows from the company prefix length. */
export function encodeSscc96(value: Omit<Sscc96, 'partition'>): string {
  const { filter, companyPrefix, serialReference } = value;
  if (!Number.isInteger(filter) || filter < 0 || filter > 7)
    throw new Sscc96Error(`filter must be 0..7, got ${filter}`);
  const partition = PARTITIONS.findIndex((p) => p.cpDigits === companyPrefix.length);
  const layout = PARTITIONS[partition];
  if (!layout || !/^\d+$/.test(companyPrefix)) {
    throw new Sscc96Error(`company prefix must be 6 to 12 digits, got "${companyPrefix}"`);
  }
  if (!/^\d+$/.test(serialReference) || serialReference.length !== layout.srDigits) {
    throw new Sscc96Error(
      `serial reference must be ${layout.srDigits} digits with a ${companyPrefix.length}-digit company prefix, got "${serialReference}"`,
    );
  }
  let bits = BigInt(SSCC96_HEADER);
  bits = (bits << 3n) | BigInt(filter);
  bits = (bits << 3n) | BigInt(partition);
  bits = (bits << BigInt(layout.cpBits)) | BigInt(companyPrefix);
  bits = (bits << BigInt(layout.srBits)) | BigInt(serialReference);
  bits <<= 24n; // unallocated, zero (TDS SSCC-96 table)
  return bits.toString(16).toUpperCase().padStart(24, '0');
}

/** Decode 24 hex digits; throws Sscc96Error when the value is not a valid SSCC-96. */
export function decodeSscc96(hex: string): Sscc96 & { sscc: string } {
  if (!/^[0-9A-Fa-f]{24}$/.test(hex)) throw new Sscc96Error(`SSCC-96 is 24 hex digits, got "${hex}"`);
  const bits = BigInt(`0x${hex}`);
  const field = (offset: number, width: number): bigint =>
    (bits >> BigInt(96 - offset - width)) & ((1n << BigInt(width)) - 1n);
  const header = Number(field(0, 8));
  if (header !== SSCC96_HEADER)
    throw new Sscc96Error(`header is 0x${header.toString(16)}, not SSCC-96 (0x31)`);
  const filter = Number(field(8, 3));
  const partition = Number(field(11, 3));
  const layout = PARTITIONS[partition];
  if (!layout) throw new Sscc96Error(`partition ${partition} is not defined for SSCC-96`);
  const cp = field(14, layout.cpBits);
  const sr = field(14 + layout.cpBits, layout.srBits);
  if (field(72, 24) !== 0n) throw new Sscc96Error('the 24 unallocated bits must be zero');
  const companyPrefix = cp.toString().padStart(layout.cpDigits, '0');
  const serialReference = sr.toString().padStart(layout.srDigits, '0');
  // A field value with more digits than its partition allows is not a valid encoding (TDS decoding rules).
  if (companyPrefix.length !== layout.cpDigits || serialReference.length !== layout.srDigits) {
    throw new Sscc96Error(`company prefix or serial reference too large for partition ${partition}`);
  }
  return {
    filter,
    partition,
    companyPrefix,
    serialReference,
    sscc: toSscc({ companyPrefix, serialReference }),
  };
}

/** The pure identity URI `urn:epc:id:sscc:CompanyPrefix.SerialReference` (TDS). */
export function toSsccIdUri(value: Pick<Sscc96, 'companyPrefix' | 'serialReference'>): string {
  return `urn:epc:id:sscc:${value.companyPrefix}.${value.serialReference}`;
}
