import type { ByteWriter } from './byte-writer.js';
import type { FieldSpec, SlotSpec } from './codec-schema.js';
import { LlrpErrorCode, LlrpProtocolError } from './errors.js';
import { SPECS_BY_NAME } from './parameter-schemas.js';
import { ParameterType } from './parameter-types.js';
import { encodeTagReportData } from './tag-report.js';
import { TLV_HEADER_BYTES } from './tlv-walker.js';
import { TV_TOTAL_LENGTH } from './tv-lengths.js';
import type { BitArray, CustomParameter, TagReportData, UnknownParameter } from './types.js';

type Obj = { type: string } & Record<string, unknown>;

export function invalid(path: string, why: string): LlrpProtocolError {
  return new LlrpProtocolError(LlrpErrorCode.INVALID_OBJECT, `${path} ${why}`, { offset: 0 });
}

function int(v: unknown, min: number, max: number, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(path, `must be an integer in ${min}…${max}, got ${typeof v === 'number' ? v : typeof v}`);
  }
  return v;
}

function buffer(v: unknown, path: string): Buffer {
  if (!(v instanceof Uint8Array)) throw invalid(path, 'must be a Buffer');
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Write fixed fields in spec order (bit fields packed MSB first). */
export function encodeFields(
  fields: readonly FieldSpec[],
  obj: Record<string, unknown>,
  w: ByteWriter,
  owner: string,
): void {
  for (const field of fields) {
    const path = `${owner}.${field.name ?? 'reserved'}`;
    const v = field.name === undefined ? undefined : obj[field.name];
    switch (field.kind) {
      case 'rsvd':
        w.bits(0, field.bits!);
        break;
      case 'flag':
        if (typeof v !== 'boolean') throw invalid(path, 'must be a boolean');
        w.bits(v ? 1 : 0, 1);
        break;
      case 'bits':
        w.bits(int(v, 0, 2 ** field.bits! - 1, path), field.bits!);
        break;
      case 'u8':
        w.u8(int(v, 0, 0xff, path));
        break;
      case 's8':
        w.s8(int(v, -128, 127, path));
        break;
      case 'u16':
        w.u16(int(v, 0, 0xffff, path));
        break;
      case 's16':
        w.s16(int(v, -32768, 32767, path));
        break;
      case 'u32':
        w.u32(int(v, 0, 0xffffffff, path));
        break;
      case 'u64':
        if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn)
          throw invalid(path, 'must be a bigint in 0…2^64-1');
        w.u64(v);
        break;
      case 'u8v':
      case 'u16v':
      case 'u32v': {
        if (!Array.isArray(v)) throw invalid(path, 'must be an array of integers');
        const list = v as unknown[];
        w.u16(int(list.length, 0, 0xffff, `${path}.length`));
        const max = field.kind === 'u8v' ? 0xff : field.kind === 'u16v' ? 0xffff : 0xffffffff;
        for (let i = 0; i < list.length; i++) {
          const n = int(list[i], 0, max, `${path}[${i}]`);
          if (field.kind === 'u8v') w.u8(n);
          else if (field.kind === 'u16v') w.u16(n);
          else w.u32(n);
        }
        break;
      }
      case 'bytes': {
        const b = buffer(v, path);
        w.u16(int(b.length, 0, 0xffff, `${path}.length`));
        w.bytes(b);
        break;
      }
      case 'utf8v': {
        if (typeof v !== 'string') throw invalid(path, 'must be a string');
        const b = Buffer.from(v, 'utf8');
        w.u16(int(b.length, 0, 0xffff, `${path} (UTF-8 bytes)`));
        w.bytes(b);
        break;
      }
      case 'u1v': {
        const bits = v as BitArray | undefined;
        if (typeof bits !== 'object' || bits === null) throw invalid(path, 'must be { bitCount, data }');
        const data = buffer(bits.data, `${path}.data`);
        const count = int(bits.bitCount, 0, 0xffff, `${path}.bitCount`);
        if ((count + 7) >>> 3 !== data.length)
          throw invalid(path, `has ${data.length} bytes for ${count} bits`);
        w.u16(count);
        w.bytes(data);
        break;
      }
      case 'bytesToEnd':
        w.bytes(buffer(v, path));
        break;
    }
  }
  if (!w.aligned) throw invalid(owner, 'bit fields do not fill whole octets (codec table bug)');
}

function accepts(slot: SlotSpec, value: Obj): boolean {
  if (slot.types.includes(value.type)) return true;
  if (!slot.types.includes('Custom')) return false;
  const spec = SPECS_BY_NAME.get(value.type);
  return value.type === 'Custom' || spec?.typeNum === ParameterType.Custom;
}

/** Write sub-parameters in slot (spec) order, then any kept unknown ones. */
export function encodeSlots(
  slots: readonly SlotSpec[],
  obj: Record<string, unknown>,
  w: ByteWriter,
  owner: string,
): void {
  for (const slot of slots) {
    const path = `${owner}.${slot.key}`;
    const v = obj[slot.key];
    if (v === undefined) {
      if (slot.card === '1' || slot.card === '+')
        throw invalid(path, `is required (${slot.types.join(' or ')})`);
      continue;
    }
    if (slot.card === '1' || slot.card === '?') {
      const value = (slot.unwrap === undefined ? v : { type: slot.types[0]!, [slot.unwrap]: v }) as Obj;
      if (typeof value !== 'object' || value === null || !accepts(slot, value)) {
        throw invalid(path, `must be ${slot.types.join(' or ')}`);
      }
      encodeParameter(w, value, path);
      continue;
    }
    if (!Array.isArray(v)) throw invalid(path, 'must be an array');
    if (slot.card === '+' && v.length === 0) throw invalid(path, 'needs at least one element');
    (v as Obj[]).forEach((item, i) => {
      if (typeof item !== 'object' || item === null || !accepts(slot, item)) {
        throw invalid(`${path}[${i}]`, `must be ${slot.types.join(' or ')}`);
      }
      encodeParameter(w, item, `${path}[${i}]`);
    });
  }
  const unknown = obj.unknown;
  if (unknown !== undefined) {
    if (!Array.isArray(unknown)) throw invalid(`${owner}.unknown`, 'must be an array');
    (unknown as Obj[]).forEach((u, i) => encodeParameter(w, u, `${owner}.unknown[${i}]`));
  }
}

function finishTlv(w: ByteWriter, at: number, typeNum: number, path: string): void {
  const length = w.length - at;
  if (length > 0xffff)
    throw invalid(path, `encodes to ${length} bytes, above the 65535 a TLV length can say`);
  w.patchU16(at, typeNum);
  w.patchU16(at + 2, length);
}

/** Encode any parameter object (header included). `path` names it in errors. */
export function encodeParameter(w: ByteWriter, p: { type: string }, path: string = p.type): void {
  if (p.type === 'TagReportData') {
    encodeTagReportData(w, p as TagReportData, (wr, o) => encodeParameter(wr, o, `${path}.${o.type}`));
    return;
  }
  if (p.type === 'Unknown') {
    const u = p as UnknownParameter;
    const body = buffer(u.body, `${path}.body`);
    if (u.encoding === 'TV') {
      const typeNum = int(u.parameterType, 1, 127, `${path}.parameterType`);
      if (TV_TOTAL_LENGTH[typeNum] !== body.length + 1)
        throw invalid(path, `TV type ${typeNum} cannot carry ${body.length} bytes`);
      w.u8(0x80 | typeNum);
      w.bytes(body);
      return;
    }
    const typeNum = int(u.parameterType, 0, 1023, `${path}.parameterType`);
    const at = w.reserve(TLV_HEADER_BYTES);
    w.bytes(body);
    finishTlv(w, at, typeNum, path);
    return;
  }
  if (p.type === 'Custom') {
    const c = p as CustomParameter;
    const at = w.reserve(TLV_HEADER_BYTES);
    w.u32(int(c.vendorId, 0, 0xffffffff, `${path}.vendorId`));
    w.u32(int(c.subtype, 0, 0xffffffff, `${path}.subtype`));
    w.bytes(buffer(c.data, `${path}.data`));
    finishTlv(w, at, ParameterType.Custom, path);
    return;
  }
  const spec = SPECS_BY_NAME.get(p.type);
  if (spec === undefined) throw invalid(path, `has unknown parameter type '${p.type}'`);
  const obj = p as Obj;
  if (spec.tv) {
    w.u8(0x80 | spec.typeNum);
    encodeFields(spec.fields, obj, w, path);
    return;
  }
  const at = w.reserve(TLV_HEADER_BYTES);
  if (spec.vendorId !== undefined) {
    w.u32(spec.vendorId);
    w.u32(spec.subtype!);
  }
  encodeFields(spec.fields, obj, w, path);
  encodeSlots(spec.slots, obj, w, path);
  finishTlv(w, at, spec.typeNum, path);
}
