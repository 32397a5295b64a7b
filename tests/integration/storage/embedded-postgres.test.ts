import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { createPool } from '../../../pipeline/sink/database.js';
import { migrate, migrateSchema } from '../../../pipeline/sink/migrate.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { writeBatch } from '../../../pipeline/sink/writer.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../services/embedded-postgres.js';
import {
  EXPECTED_TABLES,
  EXPECTED_VIEWS,
  HYPERTABLES,
  T0_US,
  alert,
  observation,
  quietLogger,
  schemaObjects,
  testPool,
  testSchema,
  zoneEvent,
} from './storage-fixtures.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bondtrack-pglite-'));
}

async function hypertablesOf(pool: pg.Pool, schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    'SELECT hypertable_name AS name FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 ORDER BY 1',
    [schema],
  );
  return rows.map((r) => r.name);
}

/** A plain pg client, ended when the test finishes. */
async function client(url: string, options: pg.ClientConfig = {}): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, query_timeout: 20_000, ...options });
  await c.connect();
  onTestFinished(() => c.end().catch(() => undefined));
  return c;
}

describe('embedded PostgreSQL (PGlite + TimescaleDB over the wire protocol)', () => {
  let db: EmbeddedPostgres;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir();
    db = await startEmbeddedPostgres({ dataDir: join(dir, 'pglite'), logger: quietLogger() });
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('pg connects, TimescaleDB installs, and a hypertable can be created', async () => {
    const pool = testPool(db.url, 1);
    const schema = testSchema(pool);
    expect(db.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await pool.query('CREATE EXTENSION IF NOT EXISTS timescaledb SCHEMA public');
    await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await pool.query(`CREATE TABLE ${quoteIdent(schema)}.m (at timestamptz NOT NULL, v int)`);
    await pool.query(`SELECT create_hypertable($1, by_range('at'))`, [`${quoteIdent(schema)}.m`]);
    expect(await hypertablesOf(pool, schema)).toEqual(['m']);
  });

  test('migrations create the same views as on plain PostgreSQL, the tables as hypertables (no rollup tables: 0008 is plain only), and a re-run applies nothing', async () => {
    const pool = testPool(db.url, 2);
    const schema = testSchema(pool);
    const first = await migrateSchema(pool, { schema });
    expect(first.applied.map((m) => m.name)).toEqual([
      'initial',
      'rollups',
      'storage_policies',
      'dashboard_views',
      'partitions',
      'consumer_lag',
      'zone_event_stored_at',
      'incremental_rollups',
    ]);
    expect(first.timescaledb).toBe(true);
    expect(await schemaObjects(pool, schema)).toEqual({
      tables: EXPECTED_TABLES,
      views: EXPECTED_VIEWS,
    });
    expect(await hypertablesOf(pool, schema)).toEqual(HYPERTABLES);

    const second = await migrateSchema(pool, { schema });
    expect(second).toMatchObject({
      applied: [],
      alreadyApplied: [1, 2, 3, 4, 5, 6, 7, 8],
      timescaledb: true,
    });
  });

  test('two pools migrating one schema at once apply it once', async () => {
    const admin = testPool(db.url, 1);
    const schema = testSchema(admin);
    const pools = [testPool(db.url, 1), testPool(db.url, 1)];
    const applied = await Promise.all(pools.map((pool) => migrate(pool, { schema })));
    expect(applied.map((a) => a.length).sort()).toEqual([0, 8]);
    expect(await hypertablesOf(admin, schema)).toEqual(HYPERTABLES);
  });

  test('the writer is idempotent on hypertables too', async () => {
    const pool = testPool(db.url, 2);
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const batch = {
      observations: Array.from({ length: 20 }, (_, i) => observation(i)),
      zoneEvents: [zoneEvent('ARRIVED', T0_US, { toZone: 'DOCK-A' })],
      alerts: [alert(1)],
    };
    expect(await writeBatch(pool, schema, batch)).toMatchObject({
      inserted: 22,
      skipped: 0,
      positions: { moved: 1, stale: 0 },
    });
    expect(await writeBatch(pool, schema, batch)).toMatchObject({ inserted: 0, skipped: 22 });
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${quoteIdent(schema)}.observations`,
    );
    expect(rows[0]!.n).toBe('20');
  });

  test('a batch far larger than one network read arrives whole', async () => {
    const pool = testPool(db.url, 1);
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const big = Array.from({ length: 5_000 }, (_, i) =>
      observation(i, { firstSeenUs: T0_US + i * 1_000, lastSeenUs: T0_US + i * 1_000 + 10 }),
    );
    expect(await writeBatch(pool, schema, { observations: big })).toMatchObject({ inserted: 5_000 });
  });

  // Regression: with pglite-socket 0.0.21 two connections got each other's replies (a COMMIT answered
  // "BEGIN") and hung, because the reply buffer was reused and extended-protocol messages interleaved.
  test('regression: interleaved transactions on several connections each get their own replies', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4, query_timeout: 20_000 });
    onTestFinished(() => pool.end());
    const schema = testSchema(pool);
    await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}; CREATE TABLE ${quoteIdent(schema)}.t (a int)`);
    const transaction = async (i: number) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(`INSERT INTO ${quoteIdent(schema)}.t VALUES ($1)`, [i]);
        const seen = await c.query<{ n: number }>(`SELECT $1::int AS n`, [i]);
        expect(seen.rows[0]!.n).toBe(i);
        await c.query(i % 2 === 0 ? 'COMMIT' : 'ROLLBACK');
      } finally {
        c.release();
      }
    };
    await Promise.all(Array.from({ length: 60 }, (_, i) => transaction(i)));
    const { rows } = await pool.query<{ n: number; s: number }>(
      `SELECT count(*)::int AS n, sum(a)::int AS s FROM ${quoteIdent(schema)}.t`,
    );
    expect(rows[0]).toEqual({
      n: 30,
      s: Array.from({ length: 30 }, (_, i) => 2 * i).reduce((a, b) => a + b),
    });
  });

  test('each connection keeps its own search_path although PGlite has one session', async () => {
    const fromOptions = await client(db.url, { options: '-c search_path=alpha,public' });
    const fromSet = await client(db.url);
    await fromSet.query('SET search_path TO beta');
    const viaPool = createPool(db.url, { schema: 'gamma', max: 1, logger: quietLogger() });
    onTestFinished(() => viaPool.end());
    const show = async (c: pg.Client | pg.Pool) =>
      (await c.query<{ search_path: string }>('SHOW search_path')).rows[0]!.search_path;
    for (let round = 0; round < 2; round++) {
      expect(await show(fromOptions)).toBe('alpha,public');
      expect(await show(fromSet)).toBe('beta');
      expect(await show(viaPool)).toBe('gamma, public');
    }
  });

  test('a client that vanishes inside a transaction leaves nothing behind and blocks no one', async () => {
    const admin = await client(db.url);
    const schema = testSchema(testPool(db.url, 1));
    await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}; CREATE TABLE ${quoteIdent(schema)}.t (a int)`);
    const doomed = await client(db.url);
    doomed.on('error', () => undefined);
    await doomed.query('BEGIN');
    await doomed.query(`INSERT INTO ${quoteIdent(schema)}.t VALUES (1)`);
    const waiting = admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.t`);
    // Cut the socket without a Terminate message, as a crashed process would.
    (doomed as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0]!.n).toBe(0);
    const status = await admin.query<{ in_tx: boolean }>(`SELECT now() = statement_timestamp() AS in_tx`);
    expect(status.rows[0]!.in_tx).toBe(true); // a fresh transaction, not the doomed one
  });
});

describe('embedded PostgreSQL data directory', () => {
  test('data survives a restart, and a second open of the same directory is refused', async () => {
    const dir = await tempDir();
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const dataDir = join(dir, 'pglite');
    const first = await startEmbeddedPostgres({ dataDir, logger: quietLogger() });
    try {
      await expect(startEmbeddedPostgres({ dataDir, logger: quietLogger() })).rejects.toMatchObject({
        code: 'BT_DB_EMBEDDED_LOCKED',
      });
      const pool = createPool(first.url, { max: 1, logger: quietLogger() });
      await migrate(pool, { schema: 'bondtrack' });
      await writeBatch(pool, 'bondtrack', { alerts: [alert(1), alert(2)] });
      await pool.end();
    } finally {
      await first.close();
    }

    const again = await startEmbeddedPostgres({ dataDir, logger: quietLogger() });
    try {
      const pool = createPool(again.url, { max: 1, logger: quietLogger() });
      expect(await migrate(pool, { schema: 'bondtrack' })).toEqual([]);
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM bondtrack.alerts');
      expect(rows[0]!.n).toBe('2');
      await pool.end();
    } finally {
      await again.close();
    }
  });

  test('a lock file left by a process that is gone is taken over', async () => {
    const dir = await tempDir();
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const dataDir = join(dir, 'pglite');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    await writeFile(`${dataDir}.lock`, gone.stdout);
    expect(gone.status).toBe(0);
    const db = await startEmbeddedPostgres({ dataDir, logger: quietLogger() });
    onTestFinished(() => db.close());
    const c = await client(db.url);
    expect((await c.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
