import type { z } from 'zod';
import { describeError } from '../../runtime/errors.js';
import { toSchemaError } from '../../schemas/index.js';

/** A Kafka record's value decoded against its contract, or why it could not be. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; code: string; reason: string };

/** JSON-parse a record value and validate it; a failure names the code and the offending field. */
export function decodeRecord<S extends z.ZodType>(
  schema: S,
  name: string,
  value: Buffer | null,
): Decoded<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(value?.toString('utf8') ?? '');
  } catch (err) {
    return { ok: false, code: 'BT_NOT_JSON', reason: `${name} is not JSON: ${describeError(err)}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return { ok: false, code: 'BT_SCHEMA_INVALID', reason: toSchemaError(name, parsed.error).message };
  return { ok: true, value: parsed.data };
}
