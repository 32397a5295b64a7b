import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';
import type { Logger } from '../../runtime/logger.js';
import { DatabaseError, toDatabaseError } from './db-errors.js';
import { assertSchemaName, quoteIdent } from './sql-identifier.js';

/** Where the versioned SQL files live: `NNNN_name.sql`, applied in version order. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * One advisory lock for every Bondtrack schema in the database ('BTDB', 1), not one per schema:
 * migrations also create the database-wide TimescaleDB extension, which two schemas migrating at
 * once would otherwise race on. Migrations are short, so serialising them costs nothing.
 */
const LOCK_KEY = [0x42544442, 1] as const;

/** How long a migrate waits for another one to finish before giving up. */
const LOCK_TIMEOUT = '120s';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** SHA-256 of the file, recorded so that an edited, already applied migration is noticed. */
  checksum: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  durationMs: number;
}

export interface MigrateOptions {
  /** Schema that holds the tables; created if missing. */
  schema: string;
  /** Log each applied migration. Default: silent. */
  logger?: Logger;
  /** Migrations to apply instead of the files in MIGRATIONS_DIR (tests). */
  migrations?: readonly Migration[];
}

export interface MigrationReport {
  schema: string;
  applied: AppliedMigration[];
  /** Versions that were already applied before this run. */
  alreadyApplied: number[];
  /** Whether the time-series tables are TimescaleDB hypertables (false: plain PostgreSQL tables). */
  timescaledb: boolean;
  durationMs: number;
}

/** Read `NNNN_name.sql` files, in version order. Duplicate versions are refused. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match)
      throw new DatabaseError(
        'BT_DB_MIGRATION_NAME',
        `migration file ${file} must be named NNNN_snake_case.sql`,
      );
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new DatabaseError('BT_DB_MIGRATION_NAME', `two migration files have version ${version}`);
    }
    // CRLF from a Windows checkout must not read as an edited migration.
    const sql = (await readFile(new URL(file, dir), 'utf8')).replaceAll('\r\n', '\n');
    migrations.push({
      version,
      name: match[2]!,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

/**
 * Bring `schema` up to the latest migration; returns the migrations it applied (none when up to date).
 * Safe to run from several processes at once: each step takes a transaction-scoped advisory lock
 * and re-checks what is applied under it. Transaction-scoped, not session-scoped, because embedded
 * PGlite serves every connection from one session, where a session lock would not exclude anyone.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions): Promise<AppliedMigration[]> {
  return (await migrateSchema(pool, options)).applied;
}

/** `migrate` with the full story: what was applied, what already was, which storage path. */
export async function migrateSchema(pool: pg.Pool, options: MigrateOptions): Promise<MigrationReport> {
  const started = performance.now();
  const schema = assertSchemaName(options.schema);
  const table = `${quoteIdent(schema)}.schema_migrations`;
  const migrations = options.migrations ?? (await loadMigrations());
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw toDatabaseError('BT_DB_CONNECT', 'cannot connect to the database to migrate', err);
  }
  let broken: Error | undefined;
  try {
    const inLockedTransaction = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...LOCK_KEY]);
        const result = await fn();
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
        if (err instanceof DatabaseError) throw err;
        const code =
          (err as { code?: unknown }).code === '55P03' ? 'BT_DB_MIGRATION_LOCK' : 'BT_DB_MIGRATION_FAILED';
        throw toDatabaseError(code, `${what} in schema ${schema}`, err);
      }
    };
    const appliedChecksums = async (): Promise<Map<number, string>> => {
      const { rows } = await client.query<{ version: number; checksum: string }>(
        `SELECT version, checksum FROM ${table}`,
      );
      return new Map(rows.map((r) => [r.version, r.checksum]));
    };

    const before = await inLockedTransaction('cannot create the migrations table', async () => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${table} (
           version    integer     PRIMARY KEY,
           name       text        NOT NULL,
           checksum   text        NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      return appliedChecksums();
    });
    for (const m of migrations) checkUnchanged(m, before.get(m.version));

    const applied: AppliedMigration[] = [];
    for (const m of migrations.filter((m) => !before.has(m.version))) {
      const migrationStarted = performance.now();
      const didApply = await inLockedTransaction(`migration ${m.version} (${m.name}) failed`, async () => {
        // Another process may have applied it while we waited for the lock.
        const now = await appliedChecksums();
        if (now.has(m.version)) {
          checkUnchanged(m, now.get(m.version));
          return false;
        }
        // public holds TimescaleDB's functions when 0001 installs it; an existing installation may
        // live elsewhere, and unqualified create_hypertable(…) must still resolve.
        const ext = await client.query<{ nspname: string }>(
          `SELECT extnamespace::regnamespace::text AS nspname FROM pg_extension WHERE extname = 'timescaledb'`,
        );
        const extraSchema = ext.rows[0] && ext.rows[0].nspname !== 'public' ? `, ${ext.rows[0].nspname}` : '';
        await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}, public${extraSchema}`);
        await client.query(m.sql);
        await client.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
          m.version,
          m.name,
          m.checksum,
        ]);
        return true;
      });
      if (didApply) {
        const entry = {
          version: m.version,
          name: m.name,
          durationMs: Math.round(performance.now() - migrationStarted),
        };
        applied.push(entry);
        options.logger?.info({ schema, ...entry }, 'migration applied');
      }
    }

    return {
      schema,
      applied,
      alreadyApplied: [...before.keys()].sort((a, b) => a - b),
      timescaledb: await hasHypertables(client, schema),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    client.release(broken);
  }
}

/** Whether `schema` holds hypertables (the extension may exist while this schema predates it). */
export async function hasHypertables(client: pg.ClientBase | pg.Pool, schema: string): Promise<boolean> {
  const ext = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  if (ext.rowCount === 0) return false;
  const { rows } = await client.query<{ n: string }>(
    'SELECT count(*) AS n FROM timescaledb_information.hypertables WHERE hypertable_schema = $1',
    [schema],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Migrations are forward-only: an applied file must never change; add a new version instead. */
function checkUnchanged(m: Migration, recorded: string | undefined): void {
  if (recorded !== undefined && recorded !== m.checksum) {
    throw new DatabaseError(
      'BT_DB_MIGRATION_MODIFIED',
      `migration ${m.version} (${m.name}) was changed after it was applied; add a new migration instead`,
    );
  }
}
