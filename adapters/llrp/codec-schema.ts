/**
 * The shape of the tables that drive the generic parameter/message codec: each LLRP parameter or
 * message is its fixed fields in spec order (1.0.1 §16.2 / 1.1 §17.2 binary layouts, widths from
 * `llrp-1x0-def.xml`), then its sub-parameter slots in spec order. Decoding accepts sub-parameters
 * in any order (edgex does too; readers are not always strict); encoding emits spec order.
 */

/** Field encodings of the LTK definition (`u1v` = u16 bit count + MSB-aligned bytes). */
export type FieldKind =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 's8'
  | 's16'
  | 'u8v' // u16 count + u8 each → number[]
  | 'u16v' // u16 count + u16 each → number[]
  | 'u32v' // u16 count + u32 each → number[]
  | 'bytes' // u8v kept as a Buffer
  | 'utf8v' // u16 byte count + UTF-8
  | 'u1v' // u16 bit count + ceil(bits/8) bytes → BitArray
  | 'bytesToEnd' // the rest of the parameter/message → Buffer
  | 'bits' // `bits` wide unsigned, packed MSB first with its neighbours
  | 'flag' // 1 bit → boolean
  | 'rsvd'; // `bits` reserved bits: written as 0, ignored when read

export interface FieldSpec {
  kind: FieldKind;
  /** Property name on the object (absent for 'rsvd'). */
  name?: string;
  /** Width of 'bits' / 'rsvd' in bits. */
  bits?: number;
}

export type Cardinality = '1' | '?' | '*' | '+';

export interface SlotSpec {
  /** Property name on the object. */
  key: string;
  /** Parameter names (`ParamSpec.name`) accepted here; 'Custom' accepts every Custom-like object. */
  types: readonly string[];
  card: Cardinality;
  /**
   * For a TV parameter carrying one value (ROSpecID inside ReaderExceptionEvent, …): the property
   * holds that value, not the parameter object.
   */
  unwrap?: string;
}

export interface ParamSpec {
  name: string;
  /** TLV type 128–1023 or TV type 1–127 (`tv: true`). */
  typeNum: number;
  tv?: boolean;
  /** Custom parameters (typeNum 1023) that the codec models: vendor and subtype. */
  vendorId?: number;
  subtype?: number;
  fields: readonly FieldSpec[];
  slots: readonly SlotSpec[];
}

export interface MessageSpec {
  name: string;
  typeNum: number;
  /** CUSTOM_MESSAGEs the codec models: vendor and (u8) subtype. */
  vendorId?: number;
  subtype?: number;
  fields: readonly FieldSpec[];
  slots: readonly SlotSpec[];
}

// Small constructors that keep the tables readable.
export const f = {
  u8: (name: string): FieldSpec => ({ kind: 'u8', name }),
  u16: (name: string): FieldSpec => ({ kind: 'u16', name }),
  u32: (name: string): FieldSpec => ({ kind: 'u32', name }),
  u64: (name: string): FieldSpec => ({ kind: 'u64', name }),
  s8: (name: string): FieldSpec => ({ kind: 's8', name }),
  s16: (name: string): FieldSpec => ({ kind: 's16', name }),
  u8v: (name: string): FieldSpec => ({ kind: 'u8v', name }),
  u16v: (name: string): FieldSpec => ({ kind: 'u16v', name }),
  u32v: (name: string): FieldSpec => ({ kind: 'u32v', name }),
  bytes: (name: string): FieldSpec => ({ kind: 'bytes', name }),
  utf8v: (name: string): FieldSpec => ({ kind: 'utf8v', name }),
  u1v: (name: string): FieldSpec => ({ kind: 'u1v', name }),
  bytesToEnd: (name: string): FieldSpec => ({ kind: 'bytesToEnd', name }),
  bits: (name: string, bits: number): FieldSpec => ({ kind: 'bits', name, bits }),
  flag: (name: string): FieldSpec => ({ kind: 'flag', name }),
  rsvd: (bits: number): FieldSpec => ({ kind: 'rsvd', bits }),
};

export const s = {
  one: (key: string, ...types: string[]): SlotSpec => ({ key, types, card: '1' }),
  opt: (key: string, ...types: string[]): SlotSpec => ({ key, types, card: '?' }),
  many: (key: string, ...types: string[]): SlotSpec => ({ key, types, card: '*' }),
  some: (key: string, ...types: string[]): SlotSpec => ({ key, types, card: '+' }),
  tv: (key: string, type: string, field: string): SlotSpec => ({
    key,
    types: [type],
    card: '?',
    unwrap: field,
  }),
  custom: (): SlotSpec => ({ key: 'custom', types: ['Custom'], card: '*' }),
};
