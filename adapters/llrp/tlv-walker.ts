import { LlrpErrorCode, LlrpProtocolError } from './errors.js';
import { TV_TOTAL_LENGTH } from './tv-lengths.js';

/**
 * Parameter framing inside a message body (spec 1.0.1 §16.2.1): bit 0 of the first byte set ⇒ TV
 * (`1|type(7)|value`, length from the TV table); clear ⇒ TLV (`rsvd(6)|type(10)|length(16)|value`,
 * length including the 4-byte header).
 */
export const TLV_HEADER_BYTES = 4;

// A local copy: some loaders (tsx) read module bindings through accessors, slow in hot loops.
const TV_LENGTH = TV_TOTAL_LENGTH;

/**
 * The end position of the parameter starting at `pos`, checked against `end` (the end of its
 * parent). Throws LlrpProtocolError with the offending offset.
 */
export function parameterEnd(buf: Buffer, pos: number, end: number): number {
  const first = buf[pos]!;
  if (first & 0x80) {
    const len = TV_LENGTH[first & 0x7f]!;
    if (len === 0) {
      throw new LlrpProtocolError(
        LlrpErrorCode.UNKNOWN_TV_PARAMETER,
        `unknown TV parameter type ${first & 0x7f}: its length is not defined, the rest of the parameter cannot be read`,
        { offset: pos },
      );
    }
    if (pos + len > end) {
      throw new LlrpProtocolError(
        LlrpErrorCode.BAD_PARAMETER_LENGTH,
        `TV parameter type ${first & 0x7f} needs ${len} bytes but only ${end - pos} remain in its parent`,
        { offset: pos },
      );
    }
    return pos + len;
  }
  if (pos + TLV_HEADER_BYTES > end) {
    throw new LlrpProtocolError(
      LlrpErrorCode.BAD_PARAMETER_LENGTH,
      `${end - pos} byte(s) left in the parent, too few for a TLV header`,
      { offset: pos },
    );
  }
  const len = (buf[pos + 2]! << 8) | buf[pos + 3]!;
  if (len < TLV_HEADER_BYTES || pos + len > end) {
    const type = ((first & 0x03) << 8) | buf[pos + 1]!;
    throw new LlrpProtocolError(
      LlrpErrorCode.BAD_PARAMETER_LENGTH,
      `TLV parameter type ${type} has length ${len}, ${len < TLV_HEADER_BYTES ? 'below the 4-byte header' : `past the end of its parent (${end - pos} bytes left)`}`,
      { offset: pos },
    );
  }
  return pos + len;
}

/** Type number of the parameter at `pos`: 1–127 for TV, 0–1023 for TLV. */
export function parameterType(buf: Buffer, pos: number): number {
  const first = buf[pos]!;
  return first & 0x80 ? first & 0x7f : ((first & 0x03) << 8) | buf[pos + 1]!;
}

/**
 * Walk every parameter header in [start, end) and its TLV children, without decoding any field:
 * the baseline the decode benchmark compares against. Returns the number of parameters seen.
 * `containers` lists TLV types whose value is only sub-parameters after `fixedBytes` of fields.
 */
export function countParameters(
  buf: Buffer,
  start: number,
  end: number,
  containers: ReadonlyMap<number, number>,
): number {
  let n = 0;
  let pos = start;
  while (pos < end) {
    const next = parameterEnd(buf, pos, end);
    n++;
    if (!(buf[pos]! & 0x80)) {
      const fixed = containers.get(parameterType(buf, pos));
      if (fixed !== undefined) n += countParameters(buf, pos + TLV_HEADER_BYTES + fixed, next, containers);
    }
    pos = next;
  }
  return n;
}
