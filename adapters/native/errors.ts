import { BondtrackError } from '../../runtime/errors.js';

/**
 * Stable codes of the native-payload adapter (Impinj IoT Device Interface, Speedway Connect, Zebra
 * IoT Connector). Dead-letter records and dashboards key on them; never rename, add instead.
 */
export const NativeErrorCode = {
  /** The payload (or one NDJSON line of it) is not JSON. */
  BAD_JSON: 'BT_NATIVE_BAD_JSON',
  /** JSON, but not a shape of the configured format (formats.md §2.2, §2.3). */
  UNRECOGNISED_PAYLOAD: 'BT_NATIVE_UNRECOGNISED_PAYLOAD',
  /** A tag event whose fields do not make a valid TagRead; the message names the field. */
  BAD_READ: 'BT_NATIVE_BAD_READ',
  /** A payload over the configured size limit; refused unread. */
  PAYLOAD_TOO_LARGE: 'BT_NATIVE_PAYLOAD_TOO_LARGE',
} as const;
export type NativeErrorCode = (typeof NativeErrorCode)[keyof typeof NativeErrorCode];

/** One payload or payload element that cannot become a TagRead. Never retriable. */
export class NativePayloadError extends BondtrackError {
  declare readonly code: NativeErrorCode;

  constructor(code: NativeErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, retriable: false });
  }
}
