import type pg from 'pg';
import { describe, expect, test } from 'vitest';
import { loadMigrations, migrateSchema } from '../../../pipeline/sink/migrate.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { writeBatch } from '../../../pipeline/sink/writer.js';
import { seedDashboardData } from './dashboard-seed.js';
import { HYPERTABLES, ROLLUPS, observation, readerStatus, testPool, testSchema } from './storage-fixtures.js';
import { storagePaths } from './storage-paths.js';

const DAY_US = 86_400_000_000;

async function one<T>(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await pool.query(sql, params);
  return rows[0] as T;
}

const paths = storagePaths();

describe.each(paths)('rollups and storage policies on $name', (path) => {
  test('rollups exist under the same names and sum to the raw rows after refresh_rollups()', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    const report = await migrateSchema(pool, { schema });
    expect(report.timescaledb).toBe(path.timescaledb);
    const s = quoteIdent(schema);
    const { rows: kinds } = await pool.query<{ relname: string; relkind: string }>(
      `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = ANY($2) ORDER BY 1`,
      [schema, ROLLUPS],
    );
    // Continuous aggregates are views over a materialization hypertable; plain rollups are views over
    // a table of materialized minutes (migration 0008).
    expect(kinds).toEqual(ROLLUPS.map((relname) => ({ relname, relkind: 'v' })));

    const seeded = await seedDashboardData(pool, schema);
    // Real-time aggregation on both paths: nothing is materialized yet, and the rollups are complete.
    const unrefreshed = await one<{ reads: string }>(
      pool,
      `SELECT sum(reads)::text AS reads FROM ${s}.reader_reads_1m`,
    );
    expect(unrefreshed.reads).toBe(String(seeded.observations.reduce((n, o) => n + o.count, 0)));
    const refreshed = await one<{ n: number }>(pool, `SELECT ${s}.refresh_rollups() AS n`);
    expect(refreshed.n).toBe(path.timescaledb ? 0 : ROLLUPS.length);

    const reads = await one<{ reads: string; observations: string }>(
      pool,
      `SELECT sum(reads)::text AS reads, sum(observations)::text AS observations FROM ${s}.reader_reads_1m`,
    );
    expect(reads).toEqual({
      reads: String(seeded.observations.reduce((n, o) => n + o.count, 0)),
      observations: String(seeded.observations.length),
    });
    const transitions = await one<{ events: string }>(
      pool,
      `SELECT sum(events)::text AS events FROM ${s}.zone_transitions_1m`,
    );
    expect(transitions.events).toBe(String(seeded.zoneEvents.length));
    const occupancy = await one<{ pallets: number }>(
      pool,
      `SELECT pallets FROM ${s}.zone_occupancy_1m WHERE zone = 'WH1-STOR-C' ORDER BY bucket DESC LIMIT 1`,
    );
    expect(Number(occupancy.pallets)).toBe(1);
    const alerts = await one<{ n: string }>(pool, `SELECT sum(alerts)::text AS n FROM ${s}.alerts_1m`);
    expect(alerts.n).toBe('5');
  });

  test('retention drops expired rows and keeps the rest; horizons can be changed', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    await migrateSchema(pool, { schema });
    const s = quoteIdent(schema);
    const nowUs = Date.now() * 1000;
    await writeBatch(pool, schema, {
      observations: [
        observation(1, { firstSeenUs: nowUs - 200 * DAY_US, lastSeenUs: nowUs - 200 * DAY_US + 10 }),
        observation(2, { firstSeenUs: nowUs - 60_000_000, lastSeenUs: nowUs - 59_000_000 }),
      ],
    });
    const dropped = await one<{ n: string }>(pool, `SELECT ${s}.apply_retention()::text AS n`);
    expect(Number(dropped.n)).toBeGreaterThanOrEqual(1);
    const left = await one<{ n: string }>(pool, `SELECT count(*)::text AS n FROM ${s}.observations`);
    expect(left.n).toBe('1');

    await pool.query(`SELECT ${s}.set_storage_policy('observations', INTERVAL '30 days', INTERVAL '2 days')`);
    const policy = await one<{ retain: string; compress: string }>(
      pool,
      `SELECT retain::text AS retain, compress_after::text AS compress FROM ${s}.storage_policies
       WHERE table_name = 'observations'`,
    );
    expect(policy).toEqual({ retain: '30 days', compress: '2 days' });
    await expect(
      pool.query(`SELECT ${s}.set_storage_policy('nope', INTERVAL '1 day', NULL)`),
    ).rejects.toMatchObject({ code: '42P01' });
  });
});

describe('storage policies on TimescaleDB (PGlite)', () => {
  const path = paths[1]!;
  test('TimescaleDB has compression (segmented by EPC or reader), retention and refresh jobs in place', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    await migrateSchema(pool, { schema });
    const { rows: jobs } = await pool.query<{ proc_name: string; name: string; config: unknown }>(
      `SELECT j.proc_name, coalesce(j.hypertable_name, '') AS name, j.config FROM timescaledb_information.jobs j
         WHERE j.hypertable_schema = $1 ORDER BY 1, 2`,
      [schema],
    );
    const byProc = (proc: string): string[] => jobs.filter((j) => j.proc_name === proc).map((j) => j.name);
    expect(byProc('policy_retention')).toEqual(HYPERTABLES);
    expect(byProc('policy_compression')).toEqual(HYPERTABLES);
    const { rows: segments } = await pool.query<{ name: string; attname: string }>(
      `SELECT hypertable_name AS name, attname FROM timescaledb_information.compression_settings
         WHERE hypertable_schema = $1 AND segmentby_column_index IS NOT NULL ORDER BY 1, segmentby_column_index`,
      [schema],
    );
    expect(segments.filter((r) => r.name === 'observations').map((r) => r.attname)).toEqual(['site', 'epc']);
    expect(segments.filter((r) => r.name === 'reader_status').map((r) => r.attname)).toEqual([
      'site',
      'reader_id',
    ]);
    const { rows: aggs } = await pool.query<{ view_name: string }>(
      `SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1 ORDER BY 1`,
      [schema],
    );
    expect(aggs.map((a) => a.view_name)).toEqual(ROLLUPS);
  });
});

describe('range partitions on plain PostgreSQL', () => {
  const path = paths[0]!;

  async function partitionsOf(pool: pg.Pool, schema: string, table: string): Promise<string[]> {
    const { rows } = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1) ORDER BY 1`,
      [`${quoteIdent(schema)}.${table}`],
    );
    return rows.map((r) => r.name);
  }

  test('time-series tables are partitioned ahead of time, and retention drops whole partitions', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    await migrateSchema(pool, { schema });
    const s = quoteIdent(schema);
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    const observations = await partitionsOf(pool, schema, 'observations');
    expect(observations).toContain('observations_default');
    expect(observations).toContain(`observations_p${today}`);
    expect(observations.length).toBeGreaterThanOrEqual(8); // today + 7 days ahead + default
    expect(await partitionsOf(pool, schema, 'zone_events')).toContain(`zone_events_p${today.slice(0, 6)}`);
    // Migration 0006's consumer-lag samples follow the same plan, by day.
    expect(await partitionsOf(pool, schema, 'consumer_lag')).toEqual(
      expect.arrayContaining(['consumer_lag_default', `consumer_lag_p${today}`]),
    );
    // Already there: nothing new to create.
    expect((await one<{ n: number }>(pool, `SELECT ${s}.create_partitions_ahead() AS n`)).n).toBe(0);

    // A partition 200 days back, with a row in it, past the 90-day horizon of observations.
    const oldUs = Date.now() * 1000 - 200 * DAY_US;
    await pool.query(`SELECT ${s}.create_partitions('observations', $1, $1)`, [new Date(oldUs / 1000)]);
    const oldPartition = `observations_p${new Date(oldUs / 1000).toISOString().slice(0, 10).replaceAll('-', '')}`;
    expect(await partitionsOf(pool, schema, 'observations')).toContain(oldPartition);
    await writeBatch(pool, schema, {
      observations: [observation(1, { firstSeenUs: oldUs, lastSeenUs: oldUs + 10 })],
    });
    expect((await one<{ n: string }>(pool, `SELECT count(*)::text AS n FROM ${s}.${oldPartition}`)).n).toBe(
      '1',
    );

    await pool.query(`SELECT ${s}.apply_retention()`);
    expect(await partitionsOf(pool, schema, 'observations')).not.toContain(oldPartition);
    expect((await one<{ n: string }>(pool, `SELECT count(*)::text AS n FROM ${s}.observations`)).n).toBe('0');
  });

  test('upgrading a schema that has data keeps every row and the views over it', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    const all = await loadMigrations();
    await migrateSchema(pool, { schema, migrations: all.slice(0, 1) });
    const nowUs = Date.now() * 1000;
    const rows = Array.from({ length: 30 }, (_, i) =>
      observation(i, { firstSeenUs: nowUs - i * DAY_US, lastSeenUs: nowUs - i * DAY_US + 10 }),
    );
    await writeBatch(pool, schema, { observations: rows, readerStatus: [readerStatus('online', nowUs)] });
    const report = await migrateSchema(pool, { schema });
    expect(report.applied.map((m) => m.version)).toEqual(all.slice(1).map((m) => m.version));
    const s = quoteIdent(schema);
    expect((await one<{ n: string }>(pool, `SELECT count(*)::text AS n FROM ${s}.observations`)).n).toBe(
      '30',
    );
    // Rows older than the first partition went to the default one; the newest to today's.
    expect(
      (await one<{ n: string }>(pool, `SELECT count(*)::text AS n FROM ${s}.observations_default`)).n,
    ).toBe('29');
    expect(await one(pool, `SELECT reader_id, state FROM ${s}.readers_current`)).toEqual({
      reader_id: 'dock-1',
      state: 'online',
    });
    await pool.query(`SELECT ${s}.refresh_rollups()`);
    expect(
      (await one<{ n: string }>(pool, `SELECT sum(observations)::text AS n FROM ${s}.reader_reads_1m`)).n,
    ).toBe('30');
  });
});
