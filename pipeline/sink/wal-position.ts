import type { Queryable } from './database.js';

// WAL positions as bytes since 0/0: `pg_lsn - pg_lsn` is numeric, exact as text, and a bigint on
// our side (JavaScript numbers lose bytes past 8 PB of WAL, bigints never).

/** How far the WAL is on disk (`pg_current_wal_flush_lsn()`). Any role may ask. */
export async function walFlushLsn(db: Queryable): Promise<bigint> {
  const { rows } = await db.query<{ lsn: string }>(
    `SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::text AS lsn`,
  );
  return BigInt(rows[0]!.lsn);
}

/**
 * Wait until the WAL is flushed to `lsn` (asking every `pollMs`), or `timeoutMs` has passed; returns
 * the flush position last read. PostgreSQL's WAL writer flushes asynchronous commits within three
 * rounds of `wal_writer_delay` (200 ms by default). There is no SQL to make it flush sooner that any
 * role may run: a synchronous COMMIT flushes only when its own transaction wrote to the WAL.
 */
export async function untilWalFlushed(
  read: () => Promise<bigint>,
  lsn: bigint,
  options: { timeoutMs: number; pollMs?: number },
): Promise<bigint> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const flushed = await read();
    if (flushed >= lsn || Date.now() >= deadline) return flushed;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
}
