import type { Queryable } from './database.js';

/** Rows that were new versus rows whose id was already stored (a replay or redelivery). */
export interface InsertCounts {
  inserted: number;
  duplicates: number;
}

export const NO_ROWS: InsertCounts = Object.freeze({ inserted: 0, duplicates: 0 });

/**
 * SQL for the timestamptz of an exact µs count. Integer µs times an interval stays exact below 2^53
 * µs (year 2255), unlike `to_timestamp(us / 1e6)`, whose double can be a microsecond off.
 */
export function usToTimestamptz(column: string): string {
  return `('epoch'::timestamptz + ${column} * interval '1 microsecond')`;
}

/** One column of a batch insert: its name inside the `unnest`, its array type, and its value per row. */
export interface Column<T> {
  name: string;
  type: 'text' | 'integer' | 'bigint' | 'float8' | 'jsonb' | 'boolean';
  value: (row: T) => string | number | boolean | null;
}

/**
 * `unnest($1::text[], $2::bigint[], …) AS r(a, b, …)`, and its parameters: one array per column, so a
 * batch of any size is one statement and one round trip.
 */
export function unnestColumns<T>(
  rows: readonly T[],
  columns: ReadonlyArray<Column<T>>,
): { from: string; params: unknown[] } {
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const names = columns.map((c) => c.name).join(', ');
  return {
    from: `unnest(${arrays}) AS r(${names})`,
    params: columns.map((c) => rows.map((row) => c.value(row))),
  };
}

/**
 * Run an `INSERT … SELECT … FROM unnest(…) ON CONFLICT DO NOTHING` built by `sql(from)`; rows the
 * conflict clause skipped (already stored, or repeated within the batch) count as duplicates.
 */
export async function insertBatch<T>(
  db: Queryable,
  rows: readonly T[],
  columns: ReadonlyArray<Column<T>>,
  sql: (from: string) => string,
): Promise<InsertCounts> {
  if (rows.length === 0) return NO_ROWS;
  const { from, params } = unnestColumns(rows, columns);
  const result = await db.query(sql(from), params);
  const inserted = result.rowCount ?? 0;
  return { inserted, duplicates: rows.length - inserted };
}
