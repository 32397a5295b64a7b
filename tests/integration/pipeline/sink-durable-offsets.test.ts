import { pino } from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { deploymentTopicNames } from '../../../pipeline/pipeline.js';
import { createKafka } from '../../../pipeline/runtime/kafka.js';
import { createStageProducer } from '../../../pipeline/runtime/producer.js';
import { StageRunner } from '../../../pipeline/runtime/stage-runner.js';
import { deleteExistingTopics, ensureTopics } from '../../../pipeline/runtime/topics.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { SinkStage } from '../../../pipeline/sink/sink-stage.js';
import { walFlushLsn } from '../../../pipeline/sink/wal-position.js';
import { systemClock } from '../../../runtime/clock.js';
import { kafkaTopics } from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { waitFor } from '../../helpers/wait-for.js';
import { T0_US, testPool, testSchema, zoneEvent } from '../storage/storage-fixtures.js';

const EVENTS = 300;

/**
 * A sink on the real Kafka and PostgreSQL whose view of the WAL flush position is held at 0 until
 * the test opens it: what the sink commits asynchronously is visible at once, but its input offsets
 * must wait for the flush.
 */
async function setUp() {
  const log = pino({ level: 'warn' });
  const prefix = uniqueName('durable');
  const topics = kafkaTopics(prefix);
  const kafka = createKafka(testServices().kafkaBrokers, uniqueName('durable'), log);
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(async () => {
    await deleteExistingTopics(admin, deploymentTopicNames(prefix)).catch(() => undefined);
    await admin.disconnect();
  });
  await ensureTopics(admin, topics);
  const pool = testPool();
  const schema = testSchema(pool);

  const producer = createStageProducer(kafka);
  await producer.connect();
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: Array.from({ length: EVENTS }, (_, i) => {
      const e = zoneEvent('ARRIVED', T0_US + i, {
        epc: (0x3034257bf7194e4000000000n + BigInt(i)).toString(16).toUpperCase(),
        toZone: 'DOCK-A',
      });
      return { key: e.epc, value: JSON.stringify(e) };
    }),
  });
  await producer.disconnect();

  const gate = { open: false, asked: 0 };
  const group = `${prefix}.sink`;
  const stage = new SinkStage(topics, group, testServices().databaseUrl, schema, systemClock, log, {
    maintenanceMs: 0,
    walFlushLsn: async (p) => {
      gate.asked++;
      return gate.open ? walFlushLsn(p) : 0n;
    },
  });
  const runner = new StageRunner(kafka, stage, log, { tickMs: 20 });
  onTestFinished(() => runner.stop());

  const stored = async () => {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.zone_events`,
    );
    return rows[0]!.n;
  };
  /** Per partition of the events topic: committed offset (-1: none) and end offset. */
  const offsets = async () => {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topics.events] });
    const ends = await admin.fetchTopicOffsets(topics.events);
    return ends.map((e) => ({
      partition: e.partition,
      end: Number(e.offset),
      committed: Number(committed!.partitions.find((p) => p.partition === e.partition)?.offset ?? -1),
    }));
  };
  return { runner, gate, stored, offsets };
}

describe('sink: asynchronous commits, offsets committed only once the WAL flush passes them', () => {
  test('rows are stored at once; their offsets wait for the flush position, then follow it', async () => {
    const { runner, gate, stored, offsets } = await setUp();
    await runner.start();
    await waitFor(async () => (await stored()) === EVENTS, 'every event stored');
    // Ticks keep asking while the flush position is held back: no offset may pass a batch's start.
    const asked = gate.asked;
    await waitFor(
      () => Promise.resolve(gate.asked >= asked + 10),
      'ten more questions for the flush position',
    );
    for (const p of await offsets()) expect(p.committed).toBeLessThanOrEqual(0);
    expect((await offsets()).some((p) => p.end > 0)).toBe(true);

    gate.open = true;
    await waitFor(
      async () => (await offsets()).every((p) => p.committed === p.end || (p.end === 0 && p.committed <= 0)),
      'every partition committed to its end',
    );
  }, 120_000);

  test('on stop, what waits for the flush is committed once the flush passes it', async () => {
    const { runner, gate, stored, offsets } = await setUp();
    await runner.start();
    await waitFor(async () => (await stored()) === EVENTS, 'every event stored');
    for (const p of await offsets()) expect(p.committed).toBeLessThanOrEqual(0);
    // No tick can run between these two lines: the stop alone must see the flush and commit.
    gate.open = true;
    await runner.stop();
    const after = await offsets();
    for (const p of after) if (p.end > 0) expect(p.committed).toBe(p.end);
    expect(after.some((p) => p.end > 0)).toBe(true);
  }, 120_000);
});
