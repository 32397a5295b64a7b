import { createHash } from 'node:crypto';

/**
 * A deterministic id: the first 128 bits of SHA-256 over the parts, as 32 hex digits. Derived from
 * the input only (never wall clock or randomness), so a replay or a retried write yields the same id
 * and the sink's ON CONFLICT makes the write idempotent.
 */
export function deterministicId(...parts: ReadonlyArray<string | number>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(String(part));
    hash.update('\u0000'); // separator: ("ab","c") and ("a","bc") must differ
  }
  return hash.digest('hex').slice(0, 32);
}
