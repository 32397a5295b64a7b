import pg from 'pg';
import { describe, expect, onTestFinished, test } from 'vitest';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { grantRoles } from '../../../pipeline/sink/roles.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { untilWalFlushed, walFlushLsn } from '../../../pipeline/sink/wal-position.js';
import { writeBatch } from '../../../pipeline/sink/writer.js';
import { testServices } from '../../helpers/services.js';
import { observation, testPool, testRole, testSchema, zoneEvent, T0_US } from './storage-fixtures.js';

/** A pool whose sessions run as `role` (set at connection start, as a login user's own role would be). */
function poolAs(role: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: testServices().databaseUrl,
    max: 2,
    options: `-c role=${role}`,
  });
  onTestFinished(() => pool.end());
  return pool;
}

describe('asynchronous commit on PostgreSQL, as the writer role', () => {
  test('rows are visible at COMMIT; the WAL flush reaches the commit LSN on its own', async () => {
    const admin = testPool();
    const schema = testSchema(admin);
    await migrate(admin, { schema });
    const writerRole = testRole(admin, 'writer');
    await grantRoles(admin, { schema, writerRole, grafanaRole: testRole(admin, 'grafana') });
    const writer = poolAs(writerRole);
    const { rows: who } = await writer.query<{ r: string }>('SELECT current_user AS r');
    expect(who[0]!.r).toBe(writerRole);

    const before = await walFlushLsn(writer);
    const result = await writeBatch(
      writer,
      schema,
      { observations: [observation(1), observation(2)], zoneEvents: [zoneEvent('ARRIVED', T0_US)] },
      { asynchronousCommit: true },
    );
    expect(result.inserted).toBe(3);
    expect(result.commitLsn).toBeGreaterThan(before);
    // Visible to another session at once: that is what "stored" means for the dashboards.
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.zone_events`,
    );
    expect(rows[0]!.n).toBe(1);

    // The WAL writer flushes it on its own, within a few rounds of wal_writer_delay.
    const flushed = await untilWalFlushed(() => walFlushLsn(writer), result.commitLsn!, {
      timeoutMs: 30_000,
    });
    expect(flushed).toBeGreaterThanOrEqual(result.commitLsn!);

    // A synchronous commit is durable when it returns: it has no LSN to wait for.
    const sync = await writeBatch(writer, schema, { observations: [observation(4)] });
    expect(sync.inserted).toBe(1);
    expect(sync.commitLsn).toBeUndefined();
  });

  test('a failed asynchronous transaction commits nothing and leaves its connection usable', async () => {
    const admin = testPool(undefined, 1);
    const schema = testSchema(admin);
    await migrate(admin, { schema });
    const { rows: defaults } = await admin.query<{ s: string }>('SHOW synchronous_commit');
    // A NOT NULL column missing: the database refuses the batch.
    const broken = { ...observation(1), readerId: null as unknown as string };
    await expect(
      writeBatch(admin, schema, { observations: [broken] }, { asynchronousCommit: true }),
    ).rejects.toThrow(/cannot write a batch/);
    const ok = await writeBatch(
      admin,
      schema,
      { observations: [observation(2)] },
      { asynchronousCommit: true },
    );
    expect(ok.inserted).toBe(1);
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.observations`,
    );
    expect(rows[0]!.n).toBe(1);
    // The session default is untouched: SET LOCAL ended with the transaction.
    const { rows: setting } = await admin.query<{ s: string }>('SHOW synchronous_commit');
    expect(setting[0]!.s).toBe(defaults[0]!.s);
  });
});
