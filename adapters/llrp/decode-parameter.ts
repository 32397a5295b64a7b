import type { FieldSpec, ParamSpec, SlotSpec } from './codec-schema.js';
import { decodeCustom } from './custom.js';
import { LlrpErrorCode, LlrpProtocolError } from './errors.js';
import { TLV_SPECS, TV_SPECS } from './parameter-schemas.js';
import { ParameterType } from './parameter-types.js';
import { decodeTagReportData, decodeTagReportRun } from './tag-report.js';
import { parameterEnd, TLV_HEADER_BYTES } from './tlv-walker.js';
import type { TagReportData, UnknownParameter } from './types.js';

/**
 * Deepest parameter nesting accepted. The deepest standard chain (ROSpec › AISpec ›
 * InventoryParameterSpec › AntennaConfiguration › C1G2InventoryCommand › C1G2Filter ›
 * C1G2TagInventoryMask) is 7; vendor Custom parameters add a few.
 */
export const MAX_PARAMETER_NESTING = 32;
/** Current depth; decoding is synchronous, so one counter per process is enough. */
let nesting = 0;

/** A decoded parameter object: `type` plus its fields and sub-parameters. */
export type Decoded = { type: string } & Record<string, unknown>;

function overrun(what: string, pos: number, end: number): LlrpProtocolError {
  return new LlrpProtocolError(
    LlrpErrorCode.FIELD_OVERRUN,
    `field ${what} runs past the end of its parameter (${end - pos} byte(s) left)`,
    { offset: pos },
  );
}

/**
 * Read fixed fields in spec order from [pos, end) into `obj`; returns the position after them.
 * Bit fields are read MSB first and must fill whole octets (the tables guarantee it).
 */
export function decodeFields(
  fields: readonly FieldSpec[],
  buf: Buffer,
  pos: number,
  end: number,
  obj: Record<string, unknown>,
): number {
  let bit = 0; // bits already consumed of buf[pos]
  for (const field of fields) {
    const name = field.name ?? '';
    switch (field.kind) {
      case 'flag':
      case 'bits':
      case 'rsvd': {
        const width = field.kind === 'flag' ? 1 : field.bits!;
        let v = 0;
        for (let i = 0; i < width; i++) {
          if (pos >= end) throw overrun(name || 'reserved', pos, end);
          v = (v << 1) | ((buf[pos]! >> (7 - bit)) & 1);
          if (++bit === 8) {
            bit = 0;
            pos++;
          }
        }
        if (field.kind === 'flag') obj[name] = v === 1;
        else if (field.kind === 'bits') obj[name] = v >>> 0;
        break;
      }
      case 'u8':
        if (pos + 1 > end) throw overrun(name, pos, end);
        obj[name] = buf[pos];
        pos += 1;
        break;
      case 's8':
        if (pos + 1 > end) throw overrun(name, pos, end);
        obj[name] = buf.readInt8(pos);
        pos += 1;
        break;
      case 'u16':
        if (pos + 2 > end) throw overrun(name, pos, end);
        obj[name] = buf.readUInt16BE(pos);
        pos += 2;
        break;
      case 's16':
        if (pos + 2 > end) throw overrun(name, pos, end);
        obj[name] = buf.readInt16BE(pos);
        pos += 2;
        break;
      case 'u32':
        if (pos + 4 > end) throw overrun(name, pos, end);
        obj[name] = buf.readUInt32BE(pos);
        pos += 4;
        break;
      case 'u64':
        if (pos + 8 > end) throw overrun(name, pos, end);
        obj[name] = buf.readBigUInt64BE(pos);
        pos += 8;
        break;
      case 'u8v':
      case 'u16v':
      case 'u32v':
      case 'bytes':
      case 'utf8v':
      case 'u1v': {
        if (pos + 2 > end) throw overrun(name, pos, end);
        const count = buf.readUInt16BE(pos);
        pos += 2;
        const size = field.kind === 'u16v' ? 2 : field.kind === 'u32v' ? 4 : 1;
        const bytes = field.kind === 'u1v' ? Math.ceil(count / 8) : count * size;
        if (pos + bytes > end) throw overrun(name, pos, end);
        if (field.kind === 'utf8v') obj[name] = buf.toString('utf8', pos, pos + bytes);
        else if (field.kind === 'bytes') obj[name] = Buffer.from(buf.subarray(pos, pos + bytes));
        else if (field.kind === 'u1v')
          obj[name] = { bitCount: count, data: Buffer.from(buf.subarray(pos, pos + bytes)) };
        else {
          const list: number[] = new Array<number>(count);
          for (let i = 0; i < count; i++) {
            const at = pos + i * size;
            list[i] = size === 1 ? buf[at]! : size === 2 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
          }
          obj[name] = list;
        }
        pos += bytes;
        break;
      }
      case 'bytesToEnd':
        obj[name] = Buffer.from(buf.subarray(pos, end));
        pos = end;
        break;
    }
  }
  return pos;
}

/** An unknown or misplaced parameter, kept as bytes (TV types keep their value after the type byte). */
function unknownParameter(
  buf: Buffer,
  pos: number,
  next: number,
  typeNum: number,
  tv: boolean,
): UnknownParameter {
  return {
    type: 'Unknown',
    parameterType: typeNum,
    encoding: tv ? 'TV' : 'TLV',
    body: Buffer.from(buf.subarray(pos + (tv ? 1 : TLV_HEADER_BYTES), next)),
  };
}

const P_TAG_REPORT_DATA = ParameterType.TagReportData; // local: see tag-report.ts

/** The `tagReportData` slot of a spec (RO_ACCESS_REPORT), memoised per slot list. */
const REPORT_SLOT = new WeakMap<readonly SlotSpec[], SlotSpec | null>();
function reportSlot(slots: readonly SlotSpec[]): SlotSpec | undefined {
  let slot = REPORT_SLOT.get(slots);
  if (slot === undefined) {
    slot = slots.find((x) => x.key === 'tagReportData' && x.types.includes('TagReportData')) ?? null;
    REPORT_SLOT.set(slots, slot);
  }
  return slot ?? undefined;
}

function findSlot(slots: readonly SlotSpec[], name: string, isCustom: boolean): SlotSpec | undefined {
  for (const slot of slots) if (slot.types.includes(name)) return slot;
  if (isCustom) for (const slot of slots) if (slot.types.includes('Custom')) return slot;
  return undefined;
}

/**
 * Decode the sub-parameters in [pos, end) into the slots of `obj`. Order is not enforced; a
 * parameter that fits no slot (unknown type, misplaced, or a duplicate of a 0..1 slot) is kept in
 * `obj.unknown`. A required slot left empty is an error.
 */
export function decodeSlots(
  slots: readonly SlotSpec[],
  buf: Buffer,
  pos: number,
  end: number,
  obj: Record<string, unknown>,
  owner: string,
  ownerPos: number,
): void {
  while (pos < end) {
    if (buf[pos] === 0 && buf[pos + 1] === P_TAG_REPORT_DATA && reportSlot(slots) !== undefined) {
      // Hot path: a report's TagReportData, decoded as a run straight into their array.
      pos = decodeTagReportRun(buf, pos, end, ((obj.tagReportData as TagReportData[] | undefined) ??= []));
      continue;
    }
    const next = parameterEnd(buf, pos, end);
    const { value, typeNum, tv } = decodeParameterAt(buf, pos, next);
    const slot =
      value === undefined ? undefined : findSlot(slots, value.type, typeNum === ParameterType.Custom && !tv);
    if (
      value === undefined ||
      slot === undefined ||
      ((slot.card === '1' || slot.card === '?') && obj[slot.key] !== undefined)
    ) {
      ((obj.unknown as UnknownParameter[] | undefined) ??= []).push(
        unknownParameter(buf, pos, next, typeNum, tv),
      );
    } else if (slot.card === '1' || slot.card === '?') {
      obj[slot.key] = slot.unwrap === undefined ? value : value[slot.unwrap];
    } else {
      ((obj[slot.key] as unknown[] | undefined) ??= []).push(value);
    }
    pos = next;
  }
  for (const slot of slots) {
    if ((slot.card === '1' || slot.card === '+') && obj[slot.key] === undefined) {
      throw new LlrpProtocolError(
        LlrpErrorCode.MISSING_PARAMETER,
        `${owner} lacks its required ${slot.types.join(' or ')} parameter`,
        { offset: ownerPos },
      );
    }
  }
}

/** Decode a parameter body with its spec: fields from `pos`, then sub-parameters to `end`. */
export function decodeWithSpec(
  spec: ParamSpec,
  buf: Buffer,
  pos: number,
  end: number,
  ownerPos: number,
): Decoded {
  if (nesting >= MAX_PARAMETER_NESTING) {
    throw new LlrpProtocolError(
      LlrpErrorCode.NESTING_TOO_DEEP,
      `${spec.name} is nested more than ${MAX_PARAMETER_NESTING} parameters deep`,
      { offset: ownerPos },
    );
  }
  nesting++;
  try {
    const obj: Decoded = { type: spec.name };
    const after = decodeFields(spec.fields, buf, pos, end, obj);
    decodeSlots(spec.slots, buf, after, end, obj, spec.name, ownerPos);
    return obj;
  } finally {
    nesting--;
  }
}

/**
 * Decode the parameter occupying exactly [pos, next) (framing already checked by parameterEnd).
 * `value` is undefined for a type the codec does not model (the caller keeps it as Unknown).
 */
export function decodeParameterAt(
  buf: Buffer,
  pos: number,
  next: number,
): { value: Decoded | undefined; typeNum: number; tv: boolean } {
  const first = buf[pos]!;
  if (first & 0x80) {
    const typeNum = first & 0x7f;
    const spec = TV_SPECS.get(typeNum);
    return { value: spec ? decodeWithSpec(spec, buf, pos + 1, next, pos) : undefined, typeNum, tv: true };
  }
  const typeNum = ((first & 0x03) << 8) | buf[pos + 1]!;
  if (typeNum === ParameterType.TagReportData) {
    return {
      value: decodeTagReportData(buf, pos + TLV_HEADER_BYTES, next, pos) as unknown as Decoded,
      typeNum,
      tv: false,
    };
  }
  if (typeNum === ParameterType.Custom) {
    return { value: decodeCustom(buf, pos, next) as unknown as Decoded, typeNum, tv: false };
  }
  const spec = TLV_SPECS.get(typeNum);
  return {
    value: spec ? decodeWithSpec(spec, buf, pos + TLV_HEADER_BYTES, next, pos) : undefined,
    typeNum,
    tv: false,
  };
}
