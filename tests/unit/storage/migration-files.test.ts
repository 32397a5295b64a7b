import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, onTestFinished, test } from 'vitest';
import { MIGRATIONS_DIR, loadMigrations } from '../../../pipeline/sink/migrate.js';

async function dirWith(files: Record<string, string>): Promise<URL> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-migrations-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return pathToFileURL(`${dir}/`);
}

describe('migration files', () => {
  test('the shipped migrations are numbered from 1 without gaps and checksummed', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations[0]).toMatchObject({ version: 1, name: 'initial' });
    const text = await readFile(new URL('0001_initial.sql', MIGRATIONS_DIR), 'utf8');
    expect(migrations[0]!.checksum).toBe(createHash('sha256').update(text).digest('hex'));
  });

  test('are applied in version order, whatever order the directory lists them in', async () => {
    const dir = await dirWith({
      '0010_ten.sql': 'SELECT 10',
      '0002_two.sql': 'SELECT 2',
      'README.md': 'not a migration',
    });
    expect((await loadMigrations(dir)).map((m) => [m.version, m.name])).toEqual([
      [2, 'two'],
      [10, 'ten'],
    ]);
  });

  test('a Windows checkout (CRLF) has the same checksum', async () => {
    const lf = await loadMigrations(await dirWith({ '0001_a.sql': 'SELECT 1;\nSELECT 2;\n' }));
    const crlf = await loadMigrations(await dirWith({ '0001_a.sql': 'SELECT 1;\r\nSELECT 2;\r\n' }));
    expect(crlf[0]!.checksum).toBe(lf[0]!.checksum);
  });

  test.each([
    [{ '1_short.sql': '' }, /must be named NNNN_snake_case\.sql/],
    [{ '0001_Camel.sql': '' }, /must be named/],
    [{ '0001_a.sql': '', '0001_b.sql': '' }, /two migration files have version 1/],
  ])('refuses %j', async (files, message) => {
    await expect(loadMigrations(await dirWith(files))).rejects.toMatchObject({
      code: 'BT_DB_MIGRATION_NAME',
      message: expect.stringMatching(message) as string,
    });
  });
});
