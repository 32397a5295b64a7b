import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { startEmbeddedPostgres } from '../../../services/embedded-postgres.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices } from '../../helpers/services.js';
import {
  EXPECTED_TABLES,
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
      new RegExp(`schema ${schema} on postgres://\\S+: 5 migration\\(s\\) applied, plain PostgreSQL tables`),
    );
    expect((await schemaObjects(pool, schema)).tables).toEqual(EXPECTED_TABLES);

    const again = await bondtrackDb([...args, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      schema,
      applied: [],
      alreadyApplied: [1, 2, 3, 4, 5],
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
    expect(result.stdout).toMatch(/5 migration\(s\) applied, TimescaleDB hypertables/);
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
