import { SchemaError, TagRead, parseWith } from '../../../schemas/index.js';
import type { ParseOutcome } from '../../protocol/outcome.js';
import { SerialErrorCode, SerialLineError } from '../errors.js';

/** A serial line parser's error outcome. */
export function lineError(
  code: ConstructorParameters<typeof SerialLineError>[0],
  message: string,
  cause?: unknown,
): ParseOutcome {
  return { kind: 'error', error: new SerialLineError(code, message, cause === undefined ? {} : { cause }) };
}

/** Validate assembled fields as a TagRead; a bad field becomes BT_SERIAL_BAD_READ naming it. */
export function readFromFields(fields: Record<string, unknown>): ParseOutcome {
  try {
    return { kind: 'read', read: parseWith(TagRead, 'TagRead', fields) };
  } catch (err) {
    if (err instanceof SchemaError) return lineError(SerialErrorCode.BAD_READ, err.message, err);
    throw err;
  }
}

/** Alien prints IDs as spaced 16-bit words ("1115 F268 81C3 C012"); TagRead wants one upper-case word. */
export function compactHex(id: string): string {
  return id.replace(/\s+/g, '').toUpperCase();
}

/** A decimal integer field, or undefined (so the schema names the field when it is missing). */
export function integerField(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** A decimal number field (RSSI, phase), or undefined. */
export function numberField(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const trimmed = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}
