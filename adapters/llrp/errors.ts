import { BondtrackError } from '../../runtime/errors.js';

/**
 * Stable codes of the LLRP codec. Dead-letter records, logs and tests key on them, so a code is
 * never renamed; add a new one instead.
 */
export const LlrpErrorCode = {
  /** A message header announces a length below 10 (the header itself): the stream cannot be re-framed. */
  FRAME_TOO_SHORT: 'BT_LLRP_FRAME_TOO_SHORT',
  /** A message header announces a length above the decoder's `maxMessageBytes`: refused before buffering. */
  FRAME_TOO_LARGE: 'BT_LLRP_FRAME_TOO_LARGE',
  /** The input ended in the middle of a message (only reported by whole-buffer decoding and `end()`). */
  TRUNCATED: 'BT_LLRP_TRUNCATED',
  /** Header Ver is neither 1 (LLRP 1.0.1) nor 2 (LLRP 1.1). The frame is skipped by its length. */
  UNSUPPORTED_VERSION: 'BT_LLRP_UNSUPPORTED_VERSION',
  /** A TLV length below 4, or a parameter that runs past the end of its parent. */
  BAD_PARAMETER_LENGTH: 'BT_LLRP_BAD_PARAMETER_LENGTH',
  /** A TV parameter whose type is not in the TV table: its length is unknown, so the rest cannot be walked. */
  UNKNOWN_TV_PARAMETER: 'BT_LLRP_UNKNOWN_TV_PARAMETER',
  /** Fixed fields run past the end of their parameter or message. */
  FIELD_OVERRUN: 'BT_LLRP_FIELD_OVERRUN',
  /** A parameter the spec requires is absent (e.g. ROSpec without ROBoundarySpec). */
  MISSING_PARAMETER: 'BT_LLRP_MISSING_PARAMETER',
  /**
   * Parameters nested deeper than MAX_PARAMETER_NESTING (real LLRP needs about 8 levels): refused
   * before recursion could exhaust the stack (a 64 KiB chain of nested ParameterErrors would).
   */
  NESTING_TOO_DEEP: 'BT_LLRP_NESTING_TOO_DEEP',
  /** `decodeMessage` was given more bytes than the message's length says. */
  TRAILING_BYTES: 'BT_LLRP_TRAILING_BYTES',
  /** Not hexadecimal (CLI and test helpers only). */
  BAD_HEX: 'BT_LLRP_BAD_HEX',
  /** `encodeMessage` was given an object it cannot encode; the message names the field. */
  INVALID_OBJECT: 'BT_LLRP_INVALID_OBJECT',
} as const;
export type LlrpErrorCode = (typeof LlrpErrorCode)[keyof typeof LlrpErrorCode];

export interface LlrpProtocolErrorContext {
  /** Byte offset of the fault, counted from the start of the input given to the decoder. */
  offset: number;
  /** Message type number of the enclosing message, when the header could be read. */
  messageType?: number;
  /** Message ID of the enclosing message, when the header could be read. */
  messageId?: number;
  /**
   * True when the byte stream cannot be re-framed after this error (bad length in a header):
   * a TCP client should close the connection. False when only this one message was skipped.
   */
  fatal?: boolean;
}

/**
 * Everything the codec reports about bad bytes. Decoders never throw anything else on bad input:
 * the fuzz tests hold them to that.
 */
export class LlrpProtocolError extends BondtrackError {
  declare readonly code: LlrpErrorCode;
  readonly offset: number;
  readonly messageType: number | undefined;
  readonly messageId: number | undefined;
  readonly fatal: boolean;

  constructor(code: LlrpErrorCode, message: string, context: LlrpProtocolErrorContext) {
    super(code, `${message} (at byte ${context.offset})`);
    this.offset = context.offset;
    this.messageType = context.messageType;
    this.messageId = context.messageId;
    this.fatal = context.fatal ?? false;
  }

  /** The same fault, with offsets shifted by `base` (a frame's position in the whole stream). */
  rebase(base: number, extra: Partial<LlrpProtocolErrorContext> = {}): LlrpProtocolError {
    const message = this.message.replace(/ \(at byte \d+\)$/, '');
    return new LlrpProtocolError(this.code, message, {
      offset: this.offset + base,
      messageType: extra.messageType ?? this.messageType,
      messageId: extra.messageId ?? this.messageId,
      fatal: extra.fatal ?? this.fatal,
    });
  }
}
