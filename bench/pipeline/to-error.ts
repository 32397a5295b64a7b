/** A caught value as an Error, for rethrowing later (lint: only Errors are thrown). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
