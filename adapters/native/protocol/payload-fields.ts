import { SchemaError, TagRead, parseWith } from '../../../schemas/index.js';
import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { isoToEpochUs } from '../../serial/protocol/iso-time.js';
import { NativeErrorCode, NativePayloadError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function payloadError(code: NativeErrorCode, message: string, payload?: unknown): ParseOutcome {
  return {
    kind: 'error',
    error: new NativePayloadError(code, message),
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  };
}

/** Validate assembled fields as a TagRead; a bad field becomes BT_NATIVE_BAD_READ naming it. */
export function readOutcome(fields: JsonObject, element: unknown, sequence?: number): ParseOutcome {
  try {
    const read = parseWith(TagRead, 'TagRead', fields);
    return sequence === undefined ? { kind: 'read', read } : { kind: 'read', read, sequence };
  } catch (err) {
    if (err instanceof SchemaError) return payloadError(NativeErrorCode.BAD_READ, err.message, element);
    throw err;
  }
}

/** Base64 (standard or URL-safe) → upper-case hex; undefined when it is not base64. */
export function base64ToHex(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('hex').toUpperCase();
}

/** Hex with optional spaces or a 0x prefix → upper-case hex (the schema rejects non-hex). */
export function normaliseHex(text: string): string {
  return text
    .replace(/^0x/i, '')
    .replace(/[\s:-]+/g, '')
    .toUpperCase();
}

/**
 * A reader timestamp → µs since the epoch: ISO-8601 with a zone (sub-µs digits kept, iso-time.ts),
 * or a number, read as µs, ms or s by magnitude — readers differ and the ranges do not overlap
 * for dates between 2001 and 2286.
 */
export function timestampToUs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    if (/^\d+(\.\d+)?$/.test(value)) return timestampToUs(Number(value));
    return isoToEpochUs(value);
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  if (value >= 1e15) return Math.round(value); // µs
  if (value >= 1e12) return Math.round(value * 1000); // ms
  if (value >= 1e9) return Math.round(value * 1_000_000); // s
  return undefined;
}

/** The BT_NATIVE_BAD_READ outcome for a timestamp that is missing or unreadable. */
export function badTimestamp(field: string, value: unknown, element: unknown): ParseOutcome {
  return payloadError(
    NativeErrorCode.BAD_READ,
    `invalid TagRead: ${field}: must be an ISO-8601 date-time with a zone or epoch µs/ms/s (got ${previewValue(value)})`,
    element,
  );
}

/** Phase in degrees folded into [0, 360) (Zebra reports −180..180). */
export function phaseDegrees(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const folded = ((value % 360) + 360) % 360;
  return folded;
}
