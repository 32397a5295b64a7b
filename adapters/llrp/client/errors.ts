import { BondtrackError } from '../../../runtime/errors.js';

/**
 * Stable codes of the LLRP client and adapter. Dead letters, logs and dashboards key on them, so a
 * code is never renamed; add a new one instead.
 */
export const LlrpClientErrorCode = {
  /** The reader answered a request with LLRPStatus ≠ M_Success (LlrpStatusError names the field). */
  STATUS: 'BT_LLRP_STATUS',
  /** The reader sent ERROR_MESSAGE: it does not support a message we sent (or its version). */
  ERROR_MESSAGE: 'BT_LLRP_ERROR_MESSAGE',
  /** No response to a request within `responseTimeoutMs`. */
  TIMEOUT: 'BT_LLRP_TIMEOUT',
  /** TCP connect failed, or no READER_EVENT_NOTIFICATION arrived within `connectTimeoutMs`. */
  CONNECT_FAILED: 'BT_LLRP_CONNECT_FAILED',
  /** The reader refused the connection (ConnectionAttemptEvent ≠ Success, spec §18.1). */
  CONNECTION_REFUSED: 'BT_LLRP_CONNECTION_REFUSED',
  /** The connection closed (either side) while the client wanted it open. */
  DISCONNECTED: 'BT_LLRP_DISCONNECTED',
  /** Nothing (not even a KEEPALIVE) arrived for keepaliveMissFactor × keepaliveMs. */
  KEEPALIVE_MISSED: 'BT_LLRP_KEEPALIVE_MISSED',
  /** The byte stream cannot be framed or a message cannot be decoded. */
  PROTOCOL: 'BT_LLRP_PROTOCOL',
  /** A TagReportData that cannot become a TagRead (dead-lettered; the message names the field). */
  BAD_READ: 'BT_LLRP_BAD_READ',
  /** A reader message that decodes but is not what its type promises (dead-lettered). */
  BAD_MESSAGE: 'BT_LLRP_BAD_MESSAGE',
  /** The client was closed while a request was in flight. */
  CLOSED: 'BT_LLRP_CLOSED',
} as const;
export type LlrpClientErrorCode = (typeof LlrpClientErrorCode)[keyof typeof LlrpClientErrorCode];

/** Base of the LLRP client's errors. */
export class LlrpClientError extends BondtrackError {
  declare readonly code: LlrpClientErrorCode;

  constructor(
    code: LlrpClientErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(code, message, options);
  }
}

/** Where in the request the reader found the problem (LLRPStatus FieldError / ParameterError). */
export interface LlrpErrorLocation {
  /** FieldError.FieldNum: the 0-based field number in the message or parameter. */
  fieldNum?: number;
  /** FieldError.ErrorCode (e.g. 300 A_Invalid) and its name. */
  fieldErrorCode?: number;
  fieldErrorName?: string;
  /** ParameterError.ParameterType (e.g. 177 ROSpec), its name, and ErrorCode (e.g. 201 P_FieldError). */
  parameterType?: number;
  parameterName?: string;
  parameterErrorCode?: number;
  parameterErrorName?: string;
  /** Nested parameter errors, outermost first, as `ROSpec(177) > AISpec(183)`. */
  path?: string;
}

/**
 * The reader refused a request: `statusCode` (e.g. 101), `statusName` (M_FieldError), the reader's
 * ErrorDescription, and the field/parameter it named. Not retriable: the same request fails again.
 */
export class LlrpStatusError extends LlrpClientError {
  readonly readerId: string;
  readonly request: string;
  readonly messageId: number;
  readonly statusCode: number;
  readonly statusName: string;
  readonly description: string;
  readonly location: LlrpErrorLocation;

  constructor(context: {
    readerId: string;
    request: string;
    messageId: number;
    statusCode: number;
    statusName: string;
    description: string;
    location: LlrpErrorLocation;
  }) {
    const where = describeLocation(context.location);
    super(
      LlrpClientErrorCode.STATUS,
      `${context.request} (id ${context.messageId}) refused by reader ${context.readerId}: ` +
        `${context.statusName} (${context.statusCode})${where === '' ? '' : ` at ${where}`}` +
        `${context.description === '' ? '' : `: ${context.description}`}`,
      { retriable: false },
    );
    this.readerId = context.readerId;
    this.request = context.request;
    this.messageId = context.messageId;
    this.statusCode = context.statusCode;
    this.statusName = context.statusName;
    this.description = context.description;
    this.location = context.location;
  }
}

function describeLocation(l: LlrpErrorLocation): string {
  const parts: string[] = [];
  if (l.path !== undefined) parts.push(l.path);
  else if (l.parameterType !== undefined) parts.push(`${l.parameterName ?? 'parameter'}(${l.parameterType})`);
  if (l.parameterErrorName !== undefined) parts.push(l.parameterErrorName);
  if (l.fieldNum !== undefined)
    parts.push(`field ${l.fieldNum}${l.fieldErrorName === undefined ? '' : ` ${l.fieldErrorName}`}`);
  return parts.join(' ');
}

/** No response to request `messageId` in time. Retriable (the connection is reset first). */
export class LlrpTimeoutError extends LlrpClientError {
  constructor(
    readonly request: string,
    readonly messageId: number,
    readonly timeoutMs: number,
  ) {
    super(LlrpClientErrorCode.TIMEOUT, `no response to ${request} (id ${messageId}) within ${timeoutMs} ms`, {
      retriable: true,
    });
  }
}

/** The connection is gone; `disconnected` is a flag to test, not text to match (STYLE.md §5). */
export class LlrpConnectionError extends LlrpClientError {
  readonly disconnected = true;

  constructor(
    code:
      | typeof LlrpClientErrorCode.CONNECT_FAILED
      | typeof LlrpClientErrorCode.CONNECTION_REFUSED
      | typeof LlrpClientErrorCode.DISCONNECTED
      | typeof LlrpClientErrorCode.KEEPALIVE_MISSED
      | typeof LlrpClientErrorCode.PROTOCOL
      | typeof LlrpClientErrorCode.CLOSED,
    message: string,
    options: { cause?: unknown; connectionAttemptStatus?: number } = {},
  ) {
    super(code, message, { cause: options.cause, retriable: code !== LlrpClientErrorCode.CLOSED });
    this.connectionAttemptStatus = options.connectionAttemptStatus;
  }

  /** ConnectionAttemptEvent.Status when the reader refused us (1, 2, 3 or 4). */
  readonly connectionAttemptStatus: number | undefined;
}
