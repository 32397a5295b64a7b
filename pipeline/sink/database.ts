import pg from 'pg';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { toDatabaseError } from './db-errors.js';
import { assertSchemaName, quoteIdent } from './sql-identifier.js';

/** Anything that runs a statement: a pool (one-off statements) or a checked-out client. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

export interface PoolOptions {
  /**
   * Schema put first on each connection's `search_path` (then `public`, where TimescaleDB's
   * functions live), for ad-hoc and dashboard queries. Bondtrack's own statements always qualify
   * table names, because on embedded PGlite every connection shares one session, so the last
   * `SET search_path` wins for all of them. Default: no change.
   */
  schema?: string;
  /**
   * Most connections the pool opens. Default 4. On embedded PGlite statements run one at a time
   * whatever this is, so 1-2 is enough there.
   */
  max?: number;
  /** Shown in `pg_stat_activity.application_name`. Default `bondtrack`. */
  applicationName?: string;
  /** Give up connecting after this long. Default 10 000 ms. */
  connectionTimeoutMs?: number;
  /** Where idle-connection errors are logged. Default a `bondtrack.db` logger. */
  logger?: Logger;
}

/** pg-pool (3.10+) awaits a Promise returned by onConnect; @types/pg declares the hook as void. */
interface AsyncConnectPoolConfig extends Omit<pg.PoolConfig, 'onConnect'> {
  onConnect?: (client: pg.ClientBase) => Promise<void>;
}

/**
 * A `pg` pool for the sink, migrations and the CLI. Errors of idle connections (server restart,
 * network drop) are logged instead of crashing the process; the pool replaces the connection.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const schema = options.schema === undefined ? undefined : assertSchemaName(options.schema);
  const logger = options.logger ?? createLogger('bondtrack.db');
  const setPath = schema === undefined ? undefined : `SET search_path TO ${quoteIdent(schema)}, public`;
  const config: AsyncConnectPoolConfig = {
    connectionString: url,
    max: options.max ?? 4,
    application_name: options.applicationName ?? 'bondtrack',
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    // A SET, not the startup `options` parameter, which poolers such as PgBouncer refuse. pg-pool
    // awaits onConnect before it hands the connection out, so no query can overtake the SET.
    ...(setPath === undefined ? {} : { onConnect: async (client) => void (await client.query(setPath)) }),
  };
  const pool = new pg.Pool(config);
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection failed; the pool will reconnect'));
  return pool;
}

/**
 * Run `fn` inside BEGIN … COMMIT on one connection; ROLLBACK and rethrow if it throws. A client whose
 * ROLLBACK fails is destroyed rather than returned to the pool in an unknown state.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return transaction(pool, fn, 'BEGIN', async (client) => void (await client.query('COMMIT')));
}

/**
 * `withTransaction` with an asynchronous commit (`synchronous_commit = off` for this transaction
 * only): COMMIT makes the rows visible without waiting for the WAL to reach the disk, and a crash
 * within the WAL writer's next round or two (~200-600 ms) loses the transaction whole, never part of
 * it (PostgreSQL manual, "Asynchronous Commit"). Also gives the WAL position the commit record ends
 * before: once `pg_current_wal_flush_lsn()` reaches it, the transaction is durable (wal-position.ts).
 * For writers that can replay what a crash lost, such as the sink, whose input stays in Kafka.
 */
export async function withAsyncCommit<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<{ value: T; commitLsn: bigint }> {
  let commitLsn = 0n;
  const value = await transaction(
    pool,
    fn,
    // One round trip each: a simple query may hold several statements (no parameters here).
    'BEGIN; SET LOCAL synchronous_commit TO off',
    async (client) => {
      // Read after COMMIT returns, so at or past the end of its commit record.
      const results = (await client.query(
        `COMMIT; SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text AS lsn`,
      )) as unknown as Array<pg.QueryResult<{ lsn: string }>>;
      commitLsn = BigInt(results[1]!.rows[0]!.lsn);
    },
  );
  return { value, commitLsn };
}

async function transaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  begin: string,
  commit: (client: pg.PoolClient) => Promise<void>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw toDatabaseError('BT_DB_CONNECT', 'cannot connect to the database', err);
  }
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await fn(client);
    await commit(client);
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
