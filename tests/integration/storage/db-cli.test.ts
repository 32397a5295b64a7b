import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { startEmbeddedPostgres } from '../../../services/embedded-postgres.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices } from '../../helpers/services.js';
import {
  EXPECTED_TABLES_PLAIN,
  HYPERTABLES,
  quietLogger,
  schemaObjects,
  testPool,
  testSchema,
} from './storage-fixtures.js';

/** Run `bondtrack db …` to the end; its exit code and output. */
async function bondtrackDb(
  args: string[],
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = spawnBondtrack(['db', ...args], { LOG_LEVEL: 'warn' });
  const code = await run.exited();
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('bondtrack db migrate', () => {
  test('migrates a schema on PostgreSQL, and says so when it is already up to date', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    const args = ['migrate', '--database-url', testServices().databaseUrl, '--schema', schema];

    const first = await bondtrackDb(args);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^applied 0001_initial \(\d+ ms\)$/m);
    expect(first.stdout).toMatch(
      new RegExp(`schema ${schema} on postgres://\\S+: 8 migration\\(s\\) applied, plain PostgreSQL tables`),
    );
    expect((await schemaObjects(pool, schema)).tables).toEqual(EXPECTED_TABLES_PLAIN);

    const again = await bondtrackDb([...args, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      schema,
      applied: [],
      alreadyApplied: [1, 2, 3, 4, 5, 6, 7, 8],
      timescaledb: false,
    });
  });

  test('reaches the embedded database from another process and reports hypertables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bondtrack-pglite-cli-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const db = await startEmbeddedPostgres({ dataDir: join(dir, 'pglite'), logger: quietLogger() });
    onTestFinished(() => db.close());
    const result = await bondtrackDb(['migrate', '--database-url', db.url, '--schema', 'bondtrack']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/8 migration\(s\) applied, TimescaleDB hypertables/);
    const pool = testPool(db.url, 1);
    const { rows } = await pool.query<{ name: string }>(
      `SELECT hypertable_name AS name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'bondtrack' ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toEqual(HYPERTABLES);
  });

  test('--help documents --database and --schema', async () => {
    const help = await bondtrackDb(['migrate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--database-url <url>');
    expect(help.stdout).toContain('--schema <name>');
  });

  test('an unreachable database exits 2 with a stable error code', async () => {
    const result = await bondtrackDb([
      'migrate',
      '--database-url',
      'postgres://postgres@127.0.0.1:1/test',
      '--schema',
      'bt_unreachable',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot connect to the database to migrate: .*\[BT_DB_CONNECT\]/);
  });
});

describe('bondtrack db roles', () => {
  test('creates a writer and a read-only Grafana role that can read the views but not the raw tables', async () => {
    const pool = testPool();
    const schema = testSchema(pool);
    const url = testServices().databaseUrl;
    expect((await bondtrackDb(['migrate', '--database-url', url, '--schema', schema])).code).toBe(0);
    const suffix = schema.slice(-10);
    const writer = `bt_writer_${suffix}`;
    const grafana = `bt_grafana_${suffix}`;
    onTestFinished(async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      for (const role of [writer, grafana]) {
        await pool.query(`DROP OWNED BY "${role}"`).catch(() => undefined);
        await pool.query(`DROP ROLE IF EXISTS "${role}"`);
      }
    });
    const args = [
      'roles',
      '--database-url',
      url,
      '--schema',
      schema,
      '--writer-role',
      writer,
      '--grafana-role',
      grafana,
    ];
    const result = await bondtrackDb(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`writer ${writer}, read-only ${grafana}`);
    expect((await bondtrackDb(args)).code).toBe(0); // idempotent

    const asRole = async (role: string, sql: string) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL ROLE "${role}"`);
        return await client.query(sql);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    await expect(
      asRole(grafana, `SELECT * FROM "${schema}".pallet_positions LIMIT 1`),
    ).resolves.toBeDefined();
    await expect(asRole(grafana, `SELECT * FROM "${schema}".observations LIMIT 1`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(asRole(grafana, `DELETE FROM "${schema}".pallets`)).rejects.toThrow(/permission denied/);
    await expect(asRole(writer, `DELETE FROM "${schema}".pallets`)).resolves.toBeDefined();
  });
});
