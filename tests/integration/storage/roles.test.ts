import { describe, expect, test } from 'vitest';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { GRAFANA_RELATIONS, grantRoles } from '../../../pipeline/sink/roles.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { seedDashboardData } from './dashboard-seed.js';
import { ROLLUPS, asRole, testPool, testRole, testSchema } from './storage-fixtures.js';
import { storagePaths } from './storage-paths.js';

const RAW_TABLES = [
  'observations',
  'zone_events',
  'alerts',
  'positions',
  'pallets',
  'customs_status',
  'dead_letters',
];

describe.each(storagePaths())('roles on $name', (path) => {
  test('the Grafana role reads every dashboard view but no raw table, and cannot write', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    await seedDashboardData(pool, schema);
    const grafanaRole = testRole(pool, 'grafana');
    const writerRole = testRole(pool, 'writer');
    // Twice: granting is idempotent.
    await grantRoles(pool, { schema, grafanaRole, writerRole });
    await grantRoles(pool, { schema, grafanaRole, writerRole });
    const s = quoteIdent(schema);

    for (const view of GRAFANA_RELATIONS) {
      expect(
        await asRole(pool, grafanaRole, `SELECT count(*)::int AS n FROM ${s}.${quoteIdent(view)}`),
      ).toEqual({
        rows: [{ n: expect.any(Number) as unknown }],
      });
    }
    expect(await asRole(pool, grafanaRole, `SELECT count(*)::int AS n FROM ${s}.pallet_positions`)).toEqual({
      rows: [{ n: 4 }],
    });
    // Plain PostgreSQL's rollups are views over tables of materialized minutes (migration 0008):
    // those tables are as closed to Grafana as the raw ones.
    const closed = path.timescaledb
      ? RAW_TABLES
      : [...RAW_TABLES, ...ROLLUPS.map((r) => `${r}_materialized`), 'rollup_invalidations'];
    for (const table of closed) {
      expect(await asRole(pool, grafanaRole, `SELECT 1 FROM ${s}.${table} LIMIT 1`)).toEqual({
        error: '42501',
      });
    }
    // A simple view is auto-updatable: only the missing privilege stops writes through it.
    expect(await asRole(pool, grafanaRole, `DELETE FROM ${s}.alert_log`)).toEqual({ error: '42501' });
    expect(
      await asRole(
        pool,
        grafanaRole,
        `INSERT INTO ${s}.site_zones VALUES ('x', 'z', 'n', 'GATE', true, NULL, NULL)`,
      ),
    ).toEqual({ error: '42501' });
    expect(await asRole(pool, grafanaRole, `SELECT ${s}.apply_retention()`)).toEqual({ error: '42501' });
    expect(await asRole(pool, grafanaRole, `SELECT ${s}.refresh_rollups()`)).toEqual({ error: '42501' });
  });

  test('the writer role writes every table and refreshes the rollups it does not own', async () => {
    const pool = testPool(path.url(), path.poolSize);
    const schema = testSchema(pool);
    await migrate(pool, { schema });
    const writerRole = testRole(pool, 'writer');
    await grantRoles(pool, { schema, writerRole, grafanaRole: testRole(pool, 'grafana') });
    const s = quoteIdent(schema);
    expect(
      await asRole(
        pool,
        writerRole,
        `INSERT INTO ${s}.alerts (id, site, kind, severity, at, at_us) VALUES ('a', 's', 'MISSING', 'INFO', now(), 1)
         RETURNING id`,
      ),
    ).toEqual({ rows: [{ id: 'a' }] });
    expect(await asRole(pool, writerRole, `SELECT ${s}.refresh_rollups() AS n`)).toEqual({
      rows: [{ n: path.timescaledb ? 0 : ROLLUPS.length }],
    });
    // Partitions (plain PostgreSQL) are created by a function the writer may call though it owns nothing.
    if (!path.timescaledb) {
      const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
      await pool.query(`DROP TABLE ${s}.${quoteIdent(`observations_p${today}`)}`);
    }
    expect(await asRole(pool, writerRole, `SELECT ${s}.create_partitions_ahead() AS n`)).toEqual({
      rows: [{ n: path.timescaledb ? 0 : 1 }],
    });
    expect(await asRole(pool, writerRole, `SELECT ${s}.apply_retention() >= 0 AS ok`)).toEqual({
      rows: [{ ok: true }],
    });
    expect(await asRole(pool, writerRole, `DROP TABLE ${s}.alerts`)).toEqual({ error: '42501' });
  });
});
