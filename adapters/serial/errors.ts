import { BondtrackError } from '../../runtime/errors.js';

/**
 * Stable codes of the serial adapter. Dead-letter records and dashboards key on them, so a code is
 * never renamed; add a new one instead.
 */
export const SerialErrorCode = {
  /** The line is not JSON at all (framing noise, a half line after a reconnect, another protocol). */
  BAD_JSON: 'BT_SERIAL_BAD_JSON',
  /** Valid JSON, but not an object (an array, a number, `null`). */
  NOT_AN_OBJECT: 'BT_SERIAL_NOT_AN_OBJECT',
  /** An object that is not a valid tag read: the message names the field. */
  BAD_READ: 'BT_SERIAL_BAD_READ',
  /** Longer than `maxLineBytes`: refused without parsing, so a stuck device cannot exhaust memory. */
  LINE_TOO_LONG: 'BT_SERIAL_LINE_TOO_LONG',
  /** Bytes that are not UTF-8; the dead letter carries them base64-encoded. */
  BAD_ENCODING: 'BT_SERIAL_BAD_ENCODING',
  /** A line that does not have the shape of the configured format (alien-text, alien-terse, alien-custom, csv). */
  UNRECOGNISED_LINE: 'BT_SERIAL_UNRECOGNISED_LINE',
  /** A date-time field that is not a valid date-time of the format (or not a real date). */
  BAD_TIME: 'BT_SERIAL_BAD_TIME',
  /** The port could not be opened (missing device, permissions, busy). Retried with backoff. */
  OPEN_FAILED: 'BT_SERIAL_OPEN_FAILED',
  /** The device went away while open (USB unplugged, pty closed). Retried with backoff. */
  DISCONNECTED: 'BT_SERIAL_DISCONNECTED',
} as const;
export type SerialErrorCode = (typeof SerialErrorCode)[keyof typeof SerialErrorCode];

/** Base of the serial adapter's errors. */
export class SerialError extends BondtrackError {
  declare readonly code: SerialErrorCode;

  constructor(
    code: SerialErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(code, message, options);
  }
}

/** One line the reader sent that cannot become a TagRead. Never retriable: the same line fails again. */
export class SerialLineError extends SerialError {
  constructor(
    code:
      | typeof SerialErrorCode.BAD_JSON
      | typeof SerialErrorCode.NOT_AN_OBJECT
      | typeof SerialErrorCode.BAD_READ
      | typeof SerialErrorCode.LINE_TOO_LONG
      | typeof SerialErrorCode.BAD_ENCODING
      | typeof SerialErrorCode.UNRECOGNISED_LINE
      | typeof SerialErrorCode.BAD_TIME,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, { ...options, retriable: false });
  }
}

/**
 * The port failed or went away. `disconnected` is a flag (STYLE.md §5), not something to find in the
 * message text; the client reopens the port with backoff either way.
 */
export class SerialPortError extends SerialError {
  readonly readerId: string;
  readonly path: string;
  readonly disconnected: boolean;

  constructor(
    code: typeof SerialErrorCode.OPEN_FAILED | typeof SerialErrorCode.DISCONNECTED,
    message: string,
    context: { readerId: string; path: string; cause?: unknown },
  ) {
    super(code, message, { cause: context.cause, retriable: true });
    this.readerId = context.readerId;
    this.path = context.path;
    this.disconnected = code === SerialErrorCode.DISCONNECTED;
  }
}
