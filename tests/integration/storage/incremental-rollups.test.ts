import type pg from 'pg';
import { describe, expect, test } from 'vitest';
import { loadMigrations, migrate } from '../../../pipeline/sink/migrate.js';
import { grantRoles } from '../../../pipeline/sink/roles.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { writeBatch } from '../../../pipeline/sink/writer.js';
import type { Observation } from '../../../schemas/index.js';
import {
  ROLLUPS,
  alert,
  asRole,
  observation,
  testPool,
  testRole,
  testSchema,
  zoneEvent,
} from './storage-fixtures.js';

/**
 * Plain PostgreSQL's rollups (migration 0008): views over tables of materialized minutes, refreshed
 * from what changed, read in real time past the materialized minutes. Whatever was written, and
 * whenever it was refreshed, each rollup must read what the materialized view it replaced read
 * after a full refresh: the aggregate of the whole raw table.
 */

const MINUTE_US = 60_000_000;

interface Definition {
  name: string;
  source: string;
  time_column: string;
  keys: string;
  aggregates: string;
  filter: string;
}

/** Each rollup's rows as the view gives them, and as a full aggregate of the raw table would. */
async function compare(
  pool: pg.Pool,
  schema: string,
): Promise<Record<string, { view: string[]; full: string[] }>> {
  const s = quoteIdent(schema);
  const { rows: definitions } = await pool.query<Definition>(
    `SELECT * FROM ${s}.rollup_definitions ORDER BY name`,
  );
  expect(definitions.map((d) => d.name)).toEqual(ROLLUPS);
  const sorted = (rows: unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
  const out: Record<string, { view: string[]; full: string[] }> = {};
  for (const d of definitions) {
    const view = await pool.query(`SELECT * FROM ${s}.${quoteIdent(d.name)}`);
    const full = await pool.query(
      `SELECT date_trunc('minute', ${quoteIdent(d.time_column)}) AS bucket, ${d.keys}, ${d.aggregates}
         FROM ${s}.${quoteIdent(d.source)} WHERE ${d.filter} GROUP BY bucket, ${d.keys}`,
    );
    out[d.name] = { view: sorted(view.rows), full: sorted(full.rows) };
  }
  return out;
}

/** Expect every rollup to read the full aggregate, and at least `minRows` rows in each. */
async function expectComplete(pool: pg.Pool, schema: string, minRows = 1): Promise<void> {
  for (const [name, { view, full }] of Object.entries(await compare(pool, schema))) {
    expect({ name, rows: view }).toEqual({ name, rows: full });
    expect(full.length, name).toBeGreaterThanOrEqual(minRows);
  }
}

/** Materialized minutes of a rollup, each with the transaction that last wrote it. */
async function materialized(pool: pg.Pool, schema: string, rollup: string): Promise<Map<number, string>> {
  const { rows } = await pool.query<{ bucket: Date; xmin: string }>(
    `SELECT DISTINCT bucket, xmin::text AS xmin FROM ${quoteIdent(schema)}.${quoteIdent(`${rollup}_materialized`)}`,
  );
  return new Map(rows.map((r) => [r.bucket.getTime() * 1000, r.xmin]));
}

/** The start of the minute `ago` minutes before now, µs (a minute nobody doubts is complete). */
function minuteAgo(nowUs: number, ago: number): number {
  return nowUs - (nowUs % MINUTE_US) - ago * MINUTE_US;
}

/**
 * Three observations (two EPCs, three antennas, one without a zone), a zone event and an alert in the
 * minute from `atUs`, through the sink's writer; returns the observations.
 */
async function writeMinute(pool: pg.Pool, schema: string, n: number, atUs: number): Promise<Observation[]> {
  const at = (k: number): { firstSeenUs: number; lastSeenUs: number } => ({
    firstSeenUs: atUs + k * 1_000_000,
    lastSeenUs: atUs + k * 1_000_000 + 500_000,
  });
  const epc = (k: number): string => `3034257BF7194E40000000${String(k).padStart(2, '0')}`;
  // RSSI means exact in binary, so avg() gives the same double whatever the order it adds them in.
  const observations = [
    observation(3 * n, { ...at(0), epc: epc(n % 3), meanRssiDbm: -57.5 }),
    observation(3 * n + 1, { ...at(1), epc: epc((n + 1) % 3), meanRssiDbm: -60.25 }),
    observation(3 * n + 2, { ...at(2), epc: epc(n % 3), zone: undefined, meanRssiDbm: -50 }),
  ];
  await writeBatch(pool, schema, {
    observations,
    zoneEvents: [zoneEvent('ARRIVED', atUs + 3_000_000, { epc: epc(n % 3), toZone: 'DOCK-A' })],
    alerts: [alert(n, { atUs: atUs + 4_000_000 })],
  });
  return observations;
}

/** An INSERT of one observation as plain SQL, for a role or a transaction of the test's own. */
function insertSql(schema: string, o: Observation): string {
  return `INSERT INTO ${quoteIdent(schema)}.observations
            (id, site, epc, reader_id, antenna, first_seen, last_seen, first_seen_us, last_seen_us, count)
          VALUES ('${o.id}', '${o.site}', '${o.epc}', '${o.readerId}', ${o.antenna},
                  to_timestamp(${o.firstSeenUs} / 1e6), to_timestamp(${o.lastSeenUs} / 1e6),
                  ${o.firstSeenUs}, ${o.lastSeenUs}, ${o.count})
          RETURNING id`;
}

/** Resolves once another session running `sql` is waiting for a lock. */
async function waitForLockWait(pool: pg.Pool, sql: string): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query = $1`,
      [sql],
    );
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A pool and a schema migrated to the latest migration, both gone when the test finishes. */
async function migratedSchema(): Promise<{ pool: pg.Pool; schema: string; s: string }> {
  const pool = testPool();
  const schema = testSchema(pool);
  await migrate(pool, { schema });
  return { pool, schema, s: quoteIdent(schema) };
}

describe('incremental rollups on plain PostgreSQL', () => {
  test('minutes that ended a minute ago are materialized; later ones are aggregated as they are read', async () => {
    const { pool, schema, s } = await migratedSchema();
    const nowUs = Date.now() * 1000;
    const minutes = [10, 7, 5, 3].map((ago) => minuteAgo(nowUs, ago));
    for (const [n, atUs] of minutes.entries()) await writeMinute(pool, schema, n, atUs);
    // Seconds old: in a minute that is not complete at any refresh made now.
    await writeMinute(pool, schema, 9, nowUs - 8_000_000);

    await expectComplete(pool, schema, 5);
    expect((await pool.query(`SELECT ${s}.refresh_rollups() AS n`)).rows).toEqual([{ n: ROLLUPS.length }]);
    for (const rollup of ROLLUPS) {
      expect([...(await materialized(pool, schema, rollup)).keys()].sort(), rollup).toEqual(minutes.sort());
    }
    await expectComplete(pool, schema, 5);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${s}.rollup_invalidations`)).rows).toEqual([
      { n: 0 },
    ]);
  });

  test('a late, changed or deleted row brings back its materialized minute at the next refresh, and only that one', async () => {
    const { pool, schema, s } = await migratedSchema();
    const nowUs = Date.now() * 1000;
    const [m10, m8, m6, m4] = [10, 8, 6, 4].map((ago) => minuteAgo(nowUs, ago)) as [
      number,
      number,
      number,
      number,
    ];
    const written: Observation[][] = [];
    for (const [n, atUs] of [m10, m8, m6, m4].entries())
      written.push(await writeMinute(pool, schema, n, atUs));
    await pool.query(`SELECT ${s}.refresh_rollups()`);
    const before = await materialized(pool, schema, 'reader_reads_1m');
    expect(before.size).toBe(4);

    // Late: a new observation in m6. Changed: one of m10's moves into m4. Deleted: one of m8's.
    await writeBatch(pool, schema, {
      observations: [
        observation(100, { firstSeenUs: m6 + 30_000_000, lastSeenUs: m6 + 31_000_000, meanRssiDbm: -40 }),
      ],
    });
    await pool.query(
      `UPDATE ${s}.observations SET first_seen = first_seen + INTERVAL '6 minutes' WHERE id = $1`,
      [written[0]![0]!.id],
    );
    await pool.query(`DELETE FROM ${s}.observations WHERE id = $1`, [written[1]![1]!.id]);
    const recorded = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${s}.rollup_invalidations`,
    );
    expect(recorded.rows[0]!.n).toBeGreaterThanOrEqual(4); // insert, update (old and new), delete

    await pool.query(`SELECT ${s}.refresh_rollups()`);
    await expectComplete(pool, schema, 4);
    const after = await materialized(pool, schema, 'reader_reads_1m');
    expect([...after.keys()].sort()).toEqual([m10, m8, m6, m4].sort());
    // Every minute written to was aggregated again; none other was.
    for (const minute of [m10, m8, m6, m4]) expect(after.get(minute)).not.toBe(before.get(minute));
    await writeMinute(pool, schema, 7, m10 + 40_000_000);
    await pool.query(`SELECT ${s}.refresh_rollups()`);
    const last = await materialized(pool, schema, 'reader_reads_1m');
    expect(last.get(m10)).not.toBe(after.get(m10));
    for (const minute of [m8, m6, m4]) expect(last.get(minute)).toBe(after.get(minute));
    await expectComplete(pool, schema, 4);
  });

  test('a write that commits after a refresh began is in the next refresh', async () => {
    const { pool, schema, s } = await migratedSchema();
    const m5 = minuteAgo(Date.now() * 1000, 5);
    await writeMinute(pool, schema, 0, m5);
    await pool.query(`SELECT ${s}.refresh_rollups()`);

    // A sink transaction that writes into a materialized minute, and commits only after a refresh.
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(
        insertSql(schema, observation(50, { firstSeenUs: m5 + 20_000_000, lastSeenUs: m5 + 21_000_000 })),
      );
      await pool.query(`SELECT ${s}.refresh_rollups()`);
      await writer.query('COMMIT');
    } finally {
      writer.release();
    }
    const reads = `SELECT sum(reads)::int AS reads FROM ${s}.reader_reads_1m`;
    const stale = (await pool.query<{ reads: number }>(reads)).rows[0]!.reads;
    await pool.query(`SELECT ${s}.refresh_rollups()`);
    const fresh = (await pool.query<{ reads: number }>(reads)).rows[0]!.reads;
    expect(fresh - stale).toBe(observation(50).count);
    await expectComplete(pool, schema);
  });

  test('two refreshes at once take turns, and the second finds the minutes done', async () => {
    const { pool, schema, s } = await migratedSchema();
    const m5 = minuteAgo(Date.now() * 1000, 5);
    await writeMinute(pool, schema, 0, m5);
    // As if a refresh had taken these ranges while their minute was still live: nothing pending, and
    // the minute to materialize now. (Pending ranges would make the second refresh wait on their
    // rows instead, and hide a missing lock.)
    await pool.query(`DELETE FROM ${s}.rollup_invalidations`);
    const first = await pool.connect();
    try {
      await first.query('BEGIN');
      expect((await first.query(`SELECT ${s}.refresh_rollups() AS n`)).rows).toEqual([{ n: ROLLUPS.length }]);
      // Another sink's refresh while the first has not committed: without the lock it would
      // materialize the same minute and fail on the unique key once the first commits.
      const call = `SELECT ${s}.refresh_rollups() AS n`;
      const second = pool.query<{ n: number }>(call);
      await waitForLockWait(pool, call);
      await first.query('COMMIT');
      expect((await second).rows).toEqual([{ n: ROLLUPS.length }]);
    } finally {
      first.release();
    }
    expect([...(await materialized(pool, schema, 'reader_reads_1m')).keys()]).toEqual([m5]);
    await expectComplete(pool, schema);
  });

  test("minutes past the raw table's retention leave the rollup", async () => {
    const { pool, schema, s } = await migratedSchema();
    const nowUs = Date.now() * 1000;
    const old = minuteAgo(nowUs, 180);
    const recent = minuteAgo(nowUs, 5);
    await writeMinute(pool, schema, 0, old);
    await writeMinute(pool, schema, 1, recent);
    await pool.query(`SELECT ${s}.refresh_rollups()`);
    expect([...(await materialized(pool, schema, 'reader_reads_1m')).keys()].sort()).toEqual([old, recent]);

    await pool.query(`SELECT ${s}.set_storage_policy('observations', INTERVAL '2 hours', NULL)`);
    await pool.query(`SELECT ${s}.refresh_rollups()`);
    expect([...(await materialized(pool, schema, 'reader_reads_1m')).keys()]).toEqual([recent]);
    expect([...(await materialized(pool, schema, 'zone_occupancy_1m')).keys()]).toEqual([recent]);
    // Zone events keep five years: their rollup keeps both minutes.
    expect((await materialized(pool, schema, 'zone_transitions_1m')).size).toBe(2);
  });

  test("an upgrade from migration 0007 keeps the rollups' grants, the views over them, and the rows before it", async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    const all = await loadMigrations();
    await migrate(pool, { schema, migrations: all.filter((m) => m.version <= 7) });
    const grafanaRole = testRole(pool, 'grafana');
    const writerRole = testRole(pool, 'writer');
    await grantRoles(pool, { schema, grafanaRole, writerRole });
    const s = quoteIdent(schema);
    const nowUs = Date.now() * 1000;
    const written = await writeMinute(pool, schema, 0, minuteAgo(nowUs, 6));
    await pool.query(`INSERT INTO ${s}.site_antennas (site, reader_id, antenna, zone, role)
                      VALUES ('waigaoqiao-1', 'dock-1', 2, 'DOCK-A', 'zone')`);

    expect((await migrate(pool, { schema })).map((m) => m.version)).toEqual([8]);
    const { rows: kinds } = await pool.query<{ relkind: string }>(
      `SELECT c.relkind FROM pg_class c WHERE c.oid = ANY($1::regclass[])`,
      [ROLLUPS.map((r) => `${s}.${r}`)],
    );
    expect(kinds.map((k) => k.relkind)).toEqual(ROLLUPS.map(() => 'v'));
    // No grantRoles again: the grants given before the upgrade still hold.
    expect(
      await asRole(pool, grafanaRole, `SELECT sum(reads)::int AS reads FROM ${s}.reader_reads_1m`),
    ).toEqual({
      rows: [{ reads: written.reduce((n, o) => n + o.count, 0) }],
    });
    expect(
      await asRole(
        pool,
        grafanaRole,
        `SELECT reader_id, antenna, reads_1h::int AS reads FROM ${s}.antenna_activity`,
      ),
    ).toEqual({ rows: [{ reader_id: 'dock-1', antenna: 2, reads: observation(1).count }] });
    // The writer inserts raw rows (their trigger records into a table it was never granted).
    const late = observation(60, {
      firstSeenUs: minuteAgo(nowUs, 6) + 50_000_000,
      lastSeenUs: minuteAgo(nowUs, 6) + 51_000_000,
    });
    expect(await asRole(pool, writerRole, insertSql(schema, late))).toEqual({ rows: [{ id: late.id }] });
    await expectComplete(pool, schema);
  });
});
