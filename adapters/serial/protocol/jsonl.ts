import { SchemaError, TagRead, parseWith } from '../../../schemas/index.js';
import { SerialErrorCode, SerialLineError } from '../errors.js';
import { isoToEpochUs } from './iso-time.js';

/**
 * The JSON-lines serial protocol: one JSON object per line, `\n`-terminated (a trailing `\r` is
 * tolerated), one tag read per object. See adapters/README.md ("jsonl").
 *
 *   {"epc":"3178E61C883950F59A000000","antenna":1,"rssiDbm":-52.5,"seenAtUs":1764000000000000,"count":1}
 *
 *   epc       hex, 4-124 digits in 16-bit words (schemas/primitives.ts); lower case accepted, upper-cased
 *   antenna   1-based port
 *   seenAtUs  reader clock, µs since the epoch, UTC
 *   ts        instead of seenAtUs: ISO-8601 date-time with a zone, e.g. "2026-04-02T12:00:01.250Z"
 *             (when both are present, seenAtUs wins: it is the exact one)
 *   rssiDbm, count (default 1), phaseDeg, frequencyKhz, tid (hex, upper-cased)   optional
 *
 * Unknown fields are ignored, so a reader firmware that adds fields keeps working. Blank lines are
 * skipped (readers send them as keep-alives). Pure: a string in, a TagRead or a typed error out.
 */

/** Longest line accepted, in bytes of UTF-8. Real lines are ~120 bytes; 64 KiB means a stuck device. */
export const DEFAULT_MAX_LINE_BYTES = 65_536;

export type JsonlLineResult =
  { kind: 'read'; read: TagRead } | { kind: 'blank' } | { kind: 'error'; error: SerialLineError };

export interface JsonlParseOptions {
  maxLineBytes?: number;
}

const REQUIRED_FIELDS = ['epc', 'antenna'] as const;

function fail(
  code: ConstructorParameters<typeof SerialLineError>[0],
  message: string,
  cause?: unknown,
): JsonlLineResult {
  return { kind: 'error', error: new SerialLineError(code, message, cause === undefined ? {} : { cause }) };
}

/** A short rendering of a bad value for a reason text; the whole line is in the dead letter anyway. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Parse one line (without its `\n`). */
export function parseJsonlLine(line: string, options: JsonlParseOptions = {}): JsonlLineResult {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // UTF-8 needs at most 3 bytes per UTF-16 code unit, so short lines skip the byte count.
  if (line.length * 3 > maxLineBytes && Buffer.byteLength(line, 'utf8') > maxLineBytes) {
    return fail(SerialErrorCode.LINE_TOO_LONG, `line longer than ${maxLineBytes} bytes`);
  }
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return { kind: 'blank' };

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(
      SerialErrorCode.BAD_JSON,
      `not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(SerialErrorCode.NOT_AN_OBJECT, `must be a JSON object, got ${describeJsonType(raw)}`);
  }

  const fields: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const missing: string[] = REQUIRED_FIELDS.filter((name) => fields[name] === undefined);
  if (fields['seenAtUs'] === undefined && fields['ts'] === undefined) missing.push('seenAtUs (or ts)');
  if (missing.length > 0) {
    return fail(SerialErrorCode.BAD_READ, `invalid TagRead: missing ${missing.join(', ')}`);
  }

  if (typeof fields['epc'] === 'string') fields['epc'] = fields['epc'].toUpperCase();
  if (typeof fields['tid'] === 'string') fields['tid'] = fields['tid'].toUpperCase();
  if (fields['seenAtUs'] === undefined) {
    const ts = fields['ts'];
    const us = typeof ts === 'string' ? isoToEpochUs(ts) : undefined;
    if (us === undefined) {
      return fail(
        SerialErrorCode.BAD_READ,
        `invalid TagRead: ts: must be an ISO-8601 date-time with a zone, e.g. 2026-04-02T12:00:01.250Z (got ${preview(ts)})`,
      );
    }
    fields['seenAtUs'] = us;
  }
  delete fields['ts'];

  try {
    return { kind: 'read', read: parseWith(TagRead, 'TagRead', fields) };
  } catch (err) {
    if (err instanceof SchemaError) return fail(SerialErrorCode.BAD_READ, err.message, err);
    throw err;
  }
}
