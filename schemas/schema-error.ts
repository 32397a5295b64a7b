import type { z } from 'zod';
import { BondtrackError } from '../runtime/errors.js';

/** One problem found in a message: where (`path`, e.g. `reads[3].epc`) and what. */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** A message that does not match its contract. The message names every offending field. */
export class SchemaError extends BondtrackError {
  readonly schema: string;
  readonly issues: SchemaIssue[];

  constructor(schema: string, issues: SchemaIssue[]) {
    const listed = issues
      .slice(0, 5)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    const more = issues.length > 5 ? ` (+${issues.length - 5} more)` : '';
    super('BT_SCHEMA_INVALID', `invalid ${schema}: ${listed}${more}`);
    this.schema = schema;
    this.issues = issues;
  }
}

/** `reads[3].epc` from zod's `['reads', 3, 'epc']`; the root is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function toSchemaError(schema: string, error: z.ZodError): SchemaError {
  return new SchemaError(
    schema,
    error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  );
}

/** Validate `value` against `schema`, throwing a SchemaError that names `name` and each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, name: string, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw toSchemaError(name, result.error);
  return result.data;
}
