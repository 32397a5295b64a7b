import type { BondtrackError } from '../../runtime/errors.js';
import type { TagRead } from '../../schemas/index.js';

/**
 * What a pure format parser makes of one line or one payload element (adapters/README.md, "Normalise").
 *
 *   read   a normalised TagRead; `sequence` is the reader's own event counter when the format has one
 *          (Zebra `eventNum`), for gap detection
 *   skip   input that is valid but carries no read (a header line, a heartbeat, an antenna event);
 *          counted, never dead-lettered
 *   error  input that should have been a read and is not; dead-lettered with `error.code` and its message
 */
export type ParseOutcome =
  | { kind: 'read'; read: TagRead; sequence?: number }
  | { kind: 'skip'; reason: string }
  | { kind: 'error'; error: BondtrackError; payload?: string };

/** A short rendering of a bad value for a reason text; the whole input is in the dead letter anyway. */
export function previewValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
