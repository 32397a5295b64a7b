import { decodeFields, decodeSlots } from './decode-parameter.js';
import { LlrpErrorCode, LlrpProtocolError } from './errors.js';
import { LlrpFrameDecoder, type LlrpDecodeResult, type LlrpFrameDecoderOptions } from './frame-decoder.js';
import { HEADER_BYTES, readHeader } from './header.js';
import { MessageType } from './message-types.js';
import { CUSTOM_MESSAGE_SPECS, MESSAGE_SPECS } from './message-schemas.js';
import type { MessageSpec } from './codec-schema.js';
import type { LlrpMessage } from './types.js';

function decodeBody(
  spec: MessageSpec,
  buf: Buffer,
  pos: number,
  end: number,
  obj: Record<string, unknown>,
  start: number,
): void {
  const after = decodeFields(spec.fields, buf, pos, end, obj);
  decodeSlots(spec.slots, buf, after, end, obj, spec.name, start);
}

/**
 * Decode the message occupying exactly [start, start + length) of `buf` (framing already checked:
 * 10 ≤ length ≤ buf.length − start). Offsets in thrown errors are relative to `buf`.
 */
export function decodeFrame(buf: Buffer, start: number, length: number): LlrpMessage {
  const h = readHeader(buf, start);
  const context = { messageType: h.messageType, messageId: h.id };
  const end = start + length;
  try {
    if (h.version !== 1 && h.version !== 2) {
      throw new LlrpProtocolError(
        LlrpErrorCode.UNSUPPORTED_VERSION,
        `message header version ${h.version} is neither 1 (LLRP 1.0.1) nor 2 (LLRP 1.1)`,
        { offset: start },
      );
    }
    const version = h.version;
    const body = start + HEADER_BYTES;
    const spec = MESSAGE_SPECS.get(h.messageType);
    if (spec === undefined) {
      return {
        type: 'UNKNOWN_MESSAGE',
        id: h.id,
        version,
        messageType: h.messageType,
        body: Buffer.from(buf.subarray(body, end)),
      };
    }
    if (h.messageType === MessageType.CUSTOM_MESSAGE && end - body >= 5) {
      const vendorSpec = CUSTOM_MESSAGE_SPECS.get(`${buf.readUInt32BE(body)}:${buf[body + 4]!}`);
      if (vendorSpec !== undefined) {
        try {
          const obj: Record<string, unknown> = { type: vendorSpec.name, id: h.id, version };
          decodeBody(vendorSpec, buf, body + 5, end, obj, start);
          return obj as unknown as LlrpMessage;
        } catch (err) {
          if (!(err instanceof LlrpProtocolError)) throw err;
          // Not the layout we know: fall through and keep it as a plain CUSTOM_MESSAGE.
        }
      }
    }
    const obj: Record<string, unknown> = { type: spec.name, id: h.id, version };
    decodeBody(spec, buf, body, end, obj, start);
    return obj as unknown as LlrpMessage;
  } catch (err) {
    if (err instanceof LlrpProtocolError && err.messageType === undefined) throw err.rebase(0, context);
    throw err;
  }
}

/**
 * Decode one whole message. Throws LlrpProtocolError (never anything else) when the bytes are not
 * exactly one well-formed message.
 */
export function decodeMessage(buf: Buffer): LlrpMessage {
  if (buf.length < HEADER_BYTES) {
    throw new LlrpProtocolError(
      LlrpErrorCode.TRUNCATED,
      `${buf.length} byte(s), fewer than a 10-byte message header`,
      {
        offset: buf.length,
      },
    );
  }
  const length = buf.readUInt32BE(2);
  if (length < HEADER_BYTES) {
    throw new LlrpProtocolError(
      LlrpErrorCode.FRAME_TOO_SHORT,
      `message length ${length} is below the 10-byte header`,
      {
        offset: 2,
        fatal: true,
      },
    );
  }
  if (length > buf.length) {
    throw new LlrpProtocolError(
      LlrpErrorCode.TRUNCATED,
      `message length ${length} but only ${buf.length} byte(s) given`,
      {
        offset: buf.length,
      },
    );
  }
  if (length < buf.length) {
    throw new LlrpProtocolError(
      LlrpErrorCode.TRAILING_BYTES,
      `${buf.length - length} byte(s) after the ${length}-byte message`,
      {
        offset: length,
      },
    );
  }
  return decodeFrame(buf, 0, length);
}

/**
 * Decode a buffer holding whole messages back to back (a capture, a test vector). The results are
 * what a LlrpFrameDecoder would yield for the same bytes, plus `BT_LLRP_TRUNCATED` for a partial
 * message at the end.
 */
export function decodeMessages(buf: Buffer, options: LlrpFrameDecoderOptions = {}): LlrpDecodeResult[] {
  const decoder = new LlrpFrameDecoder(options);
  return [...decoder.push(buf), ...decoder.end()];
}

/** Hex text (whitespace ignored, optional `0x`) → bytes; throws LlrpProtocolError `BT_LLRP_BAD_HEX`. */
export function decodeHex(text: string): Buffer {
  const hex = text.replace(/\s+/g, '').replace(/^0x/i, '');
  const bad = hex.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new LlrpProtocolError(
      LlrpErrorCode.BAD_HEX,
      `'${hex[bad]}' is not a hex digit (hex digit ${bad})`,
      {
        offset: Math.floor(bad / 2),
      },
    );
  }
  if (hex.length % 2 !== 0) {
    throw new LlrpProtocolError(LlrpErrorCode.BAD_HEX, `odd number of hex digits (${hex.length})`, {
      offset: Math.floor(hex.length / 2),
    });
  }
  return Buffer.from(hex, 'hex');
}
