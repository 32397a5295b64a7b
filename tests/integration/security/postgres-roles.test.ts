import type pg from 'pg';
import { expect, onTestFinished, test } from 'vitest';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { GRAFANA_RELATIONS, grantRoles } from '../../../pipeline/sink/roles.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { uniqueName } from '../../helpers/services.js';
import { testPool, testSchema } from '../storage/storage-fixtures.js';

/**
 * What tests/integration/storage/roles.test.ts leaves out, on the real PostgreSQL: every raw table
 * (not a sample) refuses each kind of write from the Grafana role, and the writer role cannot
 * change the schema. 42501 = insufficient_privilege.
 */

async function asRole(pool: pg.Pool, role: string, sql: string): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${quoteIdent(role)}`);
    await client.query(sql);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

function testRole(pool: pg.Pool, prefix: string): string {
  const role = uniqueName(prefix);
  onTestFinished(async () => {
    await pool.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => undefined);
    await pool.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  });
  return role;
}

test('Grafana cannot INSERT, UPDATE, DELETE, TRUNCATE any table nor SELECT a raw one; the writer cannot do DDL', async () => {
  const pool = testPool();
  const schema = testSchema(pool);
  await migrate(pool, { schema });
  const grafana = testRole(pool, 'grafana');
  const writer = testRole(pool, 'writer');
  await grantRoles(pool, { schema, grafanaRole: grafana, writerRole: writer });
  const s = quoteIdent(schema);

  const { rows: tables } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT DISTINCT ON (t.table_name) t.table_name, c.column_name
       FROM information_schema.tables t
       JOIN information_schema.columns c USING (table_schema, table_name)
      WHERE t.table_schema = $1 AND t.table_type = 'BASE TABLE'
      ORDER BY t.table_name, c.ordinal_position`,
    [schema],
  );
  expect(tables.map((t) => t.table_name)).toEqual(
    expect.arrayContaining(['observations', 'zone_events', 'alerts', 'pallets', 'dead_letters']),
  );
  for (const { table_name: table, column_name: column } of tables) {
    const t = `${s}.${quoteIdent(table)}`;
    const c = quoteIdent(column);
    const outcomes = {
      select: await asRole(pool, grafana, `SELECT 1 FROM ${t} LIMIT 1`),
      insert: await asRole(pool, grafana, `INSERT INTO ${t} DEFAULT VALUES`),
      update: await asRole(pool, grafana, `UPDATE ${t} SET ${c} = ${c} WHERE false`),
      delete: await asRole(pool, grafana, `DELETE FROM ${t} WHERE false`),
      truncate: await asRole(pool, grafana, `TRUNCATE ${t}`),
    };
    // site_zones is layout, not raw data: the dashboards read it (GRAFANA_RELATIONS).
    const readable = (GRAFANA_RELATIONS as readonly string[]).includes(table);
    expect({ table, ...outcomes }).toEqual({
      table,
      select: readable ? 'ok' : '42501',
      insert: '42501',
      update: '42501',
      delete: '42501',
      truncate: '42501',
    });
  }

  const ddl = {
    createTable: `CREATE TABLE ${s}.intruder (i int)`,
    createView: `CREATE VIEW ${s}.intruder AS SELECT 1`,
    alterTable: `ALTER TABLE ${s}.alerts ADD COLUMN intruder int`,
    createIndex: `CREATE INDEX intruder ON ${s}.alerts (id)`,
    dropTable: `DROP TABLE ${s}.alerts`,
    truncate: `TRUNCATE ${s}.alerts`,
    createSchema: `CREATE SCHEMA ${quoteIdent(uniqueName('intruder'))}`,
  };
  for (const role of [writer, grafana]) {
    const outcomes = Object.fromEntries(
      await Promise.all(
        Object.entries(ddl).map(async ([k, sql]) => [k, await asRole(pool, role, sql)] as const),
      ),
    );
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(ddl).map((k) => [k, '42501'])));
  }
  // Control: the writer does write, so the refusals above are about privileges, not broken SQL.
  expect(await asRole(pool, writer, `DELETE FROM ${s}.alerts WHERE false`)).toBe('ok');
  expect(await asRole(pool, grafana, `SELECT 1 FROM ${s}.alert_log LIMIT 1`)).toBe('ok');
});
