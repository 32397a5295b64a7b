import { BondtrackError } from '../../runtime/errors.js';

/**
 * PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes, silently; two long schema names
 * could then collide, so longer names are refused instead.
 */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Check a schema name before it is spliced into SQL. Names follow the config's `Identifier`
 * (letters, digits, `.`, `_`, `-`), so they are always double-quoted; lower-case snake_case names
 * are the ones dashboards can use without quotes.
 */
export function assertSchemaName(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name) || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new BondtrackError(
      'BT_DB_SCHEMA_NAME',
      `schema name ${JSON.stringify(name)} must be 1-63 characters of A-Z a-z 0-9 . _ - starting with a letter, digit or _`,
    );
  }
  return name;
}

/** `"name"` with embedded quotes doubled (SQL standard quoting). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"` for a checked schema name. */
export function qualify(schema: string, table: string): string {
  return `${quoteIdent(assertSchemaName(schema))}.${quoteIdent(table)}`;
}
