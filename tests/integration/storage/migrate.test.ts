import { describe, expect, test } from 'vitest';
import { createPool } from '../../../pipeline/sink/database.js';
import { loadMigrations, migrate, migrateSchema, type Migration } from '../../../pipeline/sink/migrate.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import {
  EXPECTED_TABLES_PLAIN,
  EXPECTED_VIEWS,
  quietLogger,
  schemaObjects,
  testPool,
  testSchema,
} from './storage-fixtures.js';

function sqlMigration(version: number, name: string, sql: string): Migration {
  return { version, name, sql, checksum: `${version}:${sql}` };
}

describe('migrate on plain PostgreSQL', () => {
  test('creates every table and view in an empty schema, and a re-run applies nothing', async () => {
    const pool = testPool();
    const schema = testSchema(pool);

    const first = await migrateSchema(pool, { schema });
    const files = await loadMigrations();
    expect(first.applied.map((m) => m.version)).toEqual(files.map((m) => m.version));
    expect(first.alreadyApplied).toEqual([]);
    expect(first.timescaledb).toBe(false);
    expect(await schemaObjects(pool, schema)).toEqual({
      tables: EXPECTED_TABLES_PLAIN,
      views: EXPECTED_VIEWS,
    });

    const second = await migrateSchema(pool, { schema });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(files.map((m) => m.version));
    const recorded = await pool.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${quoteIdent(schema)}.schema_migrations ORDER BY version`,
    );
    expect(recorded.rows).toEqual(
      files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })),
    );
  });

  test('two processes migrating one schema at once apply each migration exactly once', async () => {
    const url = testServices().databaseUrl;
    const admin = testPool();
    const schema = testSchema(admin);
    // Separate pools: separate connections, as two sink workers starting together would have.
    const pools = [createPool(url, { max: 1 }), createPool(url, { max: 1 }), createPool(url, { max: 1 })];
    try {
      const reports = await Promise.all(pools.map((pool) => migrateSchema(pool, { schema })));
      const applied = reports.flatMap((r) => r.applied.map((m) => m.version)).sort();
      expect(applied).toEqual((await loadMigrations()).map((m) => m.version));
      expect(await schemaObjects(admin, schema)).toEqual({
        tables: EXPECTED_TABLES_PLAIN,
        views: EXPECTED_VIEWS,
      });
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  test('schemas migrating at the same time do not conflict', async () => {
    const pool = testPool();
    const schemas = [testSchema(pool), testSchema(pool), testSchema(pool)];
    const applied = await Promise.all(schemas.map((schema) => migrate(pool, { schema })));
    const versions = (await loadMigrations()).length;
    expect(applied.map((a) => a.length)).toEqual([versions, versions, versions]);
    for (const schema of schemas)
      expect((await schemaObjects(pool, schema)).tables).toEqual(EXPECTED_TABLES_PLAIN);
  });

  test('a schema name that needs quoting works and lands in exactly that schema', async () => {
    const pool = testPool();
    const schema = testSchema(pool, `Bt-Mixed.${uniqueName('x')}`);
    await migrate(pool, { schema });
    expect((await schemaObjects(pool, schema)).tables).toEqual(EXPECTED_TABLES_PLAIN);
    expect((await schemaObjects(pool, schema.toLowerCase())).tables).toEqual([]);
  });

  test('refuses a schema name that could break out of its quotes', async () => {
    const pool = testPool();
    await expect(migrate(pool, { schema: 'x"; DROP TABLE y; --' })).rejects.toMatchObject({
      code: 'BT_DB_SCHEMA_NAME',
    });
    await expect(migrate(pool, { schema: 'a'.repeat(64) })).rejects.toMatchObject({
      code: 'BT_DB_SCHEMA_NAME',
    });
  });

  test('a failing migration is rolled back, not recorded, and applied once fixed', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    const one = sqlMigration(1, 'one', 'CREATE TABLE one (a int)');
    const broken = sqlMigration(2, 'two', 'CREATE TABLE two (a int); SELECT 1 / 0');
    const error = await migrate(pool, { schema, migrations: [one, broken], logger: quietLogger() }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'BT_DB_MIGRATION_FAILED', retriable: false, sqlState: '22012' });
    expect(String((error as Error).message)).toContain('migration 2 (two)');
    expect((await schemaObjects(pool, schema)).tables).toEqual(['one', 'schema_migrations']);

    const fixed = sqlMigration(2, 'two', 'CREATE TABLE two (a int)');
    expect(await migrate(pool, { schema, migrations: [one, fixed] })).toMatchObject([
      { version: 2, name: 'two' },
    ]);
    expect((await schemaObjects(pool, schema)).tables).toEqual(['one', 'schema_migrations', 'two']);
  });

  test('refuses to run when an applied migration was edited (migrations are forward-only)', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    await migrate(pool, { schema, migrations: [sqlMigration(1, 'one', 'CREATE TABLE one (a int)')] });
    const edited = sqlMigration(1, 'one', 'CREATE TABLE one (a bigint)');
    await expect(migrate(pool, { schema, migrations: [edited] })).rejects.toMatchObject({
      code: 'BT_DB_MIGRATION_MODIFIED',
    });
  });
});
