import pg from 'pg';
import { expect, onTestFinished, test } from 'vitest';
import { spawnBondtrack, type CliProcess } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { kafkaTopics } from '../../../schemas/index.js';
import {
  countRows,
  feedRaw,
  groupLag,
  recordReads,
  storedOutput,
  testKafka,
  waitSettled,
} from './eos-harness.js';

const SETTLE_MS = 60_000;
/** The dedup stage found state in its changelog (DedupStage.restore's log line). */
const DEDUP_RESTORED = /"readers":[1-9]\d*,.*"msg":"dedup state restored"/;

function startWorker(prefix: string, schema: string, stages: string[]): CliProcess {
  const { kafkaBrokers, databaseUrl } = testServices();
  return spawnBondtrack([
    'pipeline',
    ...stages,
    '--topic-prefix',
    prefix,
    '--schema',
    schema,
    '--kafka-brokers',
    kafkaBrokers.join(','),
    '--database-url',
    databaseUrl,
    '--site',
    'seeds/demo-site.yaml',
  ]);
}

test(
  'a dedup worker SIGKILLed mid-flood is replaced by one that restores its windows: the stored events and alerts equal an uninterrupted run',
  { timeout: 240_000 },
  async () => {
    const { kafkaBrokers, databaseUrl } = testServices();
    const kafka = testKafka(kafkaBrokers);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const prefixA = uniqueName('dedupkill_a');
    const prefixB = uniqueName('dedupkill_b');
    const schemaA = uniqueName('dedupkill_a');
    const schemaB = uniqueName('dedupkill_b');
    onTestFinished(async () => {
      for (const s of [schemaA, schemaB]) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      await pool.end();
    });

    const input = await recordReads(11, 90);
    // One raw-reads partition, as in exactly-once.test.ts: locate then sees one fixed sequence.
    await feedRaw(kafka, prefixA, input, 1);
    await feedRaw(kafka, prefixB, [], 1);

    // (a) one uninterrupted process.
    const single = startWorker(prefixA, schemaA, ['dedup', 'locate', 'sink']);
    await single.waitForOutput(/pipeline running/, 60_000);
    await waitSettled(kafka, pool, prefixA, schemaA, SETTLE_MS * 2);
    expect(await single.stop('SIGTERM')).toBe(0);
    const expected = await storedOutput(pool, schemaA);
    expect(expected.events.length).toBeGreaterThan(50);

    // (b) locate + sink in one process, dedup in another, killed while part-way through the flood.
    const downstream = startWorker(prefixB, schemaB, ['locate', 'sink']);
    await downstream.waitForOutput(/pipeline running/, 60_000);
    const victim = startWorker(prefixB, schemaB, ['dedup']);
    await victim.waitForOutput(/pipeline running/, 60_000);
    await feedRaw(kafka, prefixB, input, 1, false);
    const reads = kafkaTopics(prefixB).reads;
    // Part-way: dedup has committed some of the raw reads (so its changelog holds windows) but not all.
    await expect
      .poll(
        async () => {
          const lag = await groupLag(kafka, `${prefixB}.dedup`, [reads]);
          return lag > 0 && lag < input.length && (await countRows(pool, schemaB)) > 0;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBe(true);
    expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
    const lagAtKill = await groupLag(kafka, `${prefixB}.dedup`, [reads]);
    expect(lagAtKill).toBeGreaterThan(0);

    // The replacement restores the readers' windows before it reads on.
    const replacement = startWorker(prefixB, schemaB, ['dedup']);
    await replacement.waitForOutput(DEDUP_RESTORED, 60_000);
    await waitSettled(kafka, pool, prefixB, schemaB, SETTLE_MS * 2);
    const afterKill = await storedOutput(pool, schemaB);
    expect(afterKill.events).toEqual(expected.events);
    expect(afterKill.alerts).toEqual(expected.alerts);
    expect(await replacement.stop('SIGTERM')).toBe(0);
    expect(await downstream.stop('SIGTERM')).toBe(0);
  },
);
