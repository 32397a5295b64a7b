/**
 * LLRP (EPCglobal Low Level Reader Protocol 1.0.1 / 1.1) binary codec: pure, bytes in, objects out.
 * This file is the only thing other code imports. See API.md next to it.
 */
export type * from './types.js';
export { LlrpProtocolError, LlrpErrorCode } from './errors.js';
export type { LlrpProtocolErrorContext } from './errors.js';
export { MessageType, messageTypeName } from './message-types.js';
export type { MessageTypeName } from './message-types.js';
export { ParameterType } from './parameter-types.js';
export { StatusCode, statusCodeName, isSuccess, makeStatus } from './status-codes.js';
export type { StatusCodeName } from './status-codes.js';
export { TvType, tvTotalLength } from './tv-lengths.js';
export { HEADER_BYTES, readHeader } from './header.js';
export type { LlrpHeader } from './header.js';
export { LlrpFrameDecoder, DEFAULT_MAX_MESSAGE_BYTES } from './frame-decoder.js';
export type { LlrpFrameDecoderOptions, LlrpDecodeResult } from './frame-decoder.js';
export { decodeMessage, decodeMessages, decodeHex } from './decode.js';
export { encodeMessage } from './encode.js';
export { IMPINJ_VENDOR_ID, ImpinjSubtype } from './impinj.js';
export { tagRssiDbm, emptyTagReportData } from './tag-report.js';
export { microsToDate, microsToIso, microsToJson } from './timestamps.js';
