import type { Admin, Kafka } from 'kafkajs';
import { expect, onTestFinished, test } from 'vitest';
import { ManualClock } from '../../../runtime/clock.js';
import { readConsumerLag } from '../../../pipeline/runtime/consumer-lag.js';
import { createKafka } from '../../../pipeline/runtime/kafka.js';
import { ConsumerLagRecorder } from '../../../pipeline/sink/consumer-lag-recorder.js';
import { migrate } from '../../../pipeline/sink/migrate.js';
import { pipelineLagTargets, startPipeline } from '../../../pipeline/pipeline.js';
import { kafkaTopics } from '../../../schemas/index.js';
import { loadSiteLayout } from '../../../runtime/site-file.js';
import { SEED_SITE_FILE } from '../storage/dashboard-seed.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { quietLogger, testPool, testSchema } from '../storage/storage-fixtures.js';

const log = quietLogger('test.consumer-lag');

/** A topic of three partitions holding 10, 4 and 0 records, deleted (with `groups`) after the test. */
async function topicWithRecords(kafka: Kafka, groups: string[]): Promise<{ admin: Admin; topic: string }> {
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('lag');
  onTestFinished(async () => {
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [
      ...Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `a${i}` })),
      ...Array.from({ length: 4 }, (_, i) => ({ partition: 1, value: `b${i}` })),
    ],
  });
  await producer.disconnect();
  return { admin, topic };
}

test('lag is end offset minus committed offset per partition, and the whole topic when nothing is committed', async () => {
  const kafka = createKafka(testServices().kafkaBrokers, uniqueName('lag-test'), log);
  const groupId = uniqueName('lag-group');
  const { admin, topic } = await topicWithRecords(kafka, [groupId]);
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '7' }] });

  expect(await readConsumerLag(admin, [{ groupId, topics: [topic] }])).toEqual([
    { groupId, topic, partition: 0, endOffset: 10, committedOffset: 7, lag: 3 },
    { groupId, topic, partition: 1, endOffset: 4, committedOffset: undefined, lag: 4 },
    { groupId, topic, partition: 2, endOffset: 0, committedOffset: undefined, lag: 0 },
  ]);

  // A real member of the group consumes and commits everything: the lag drains to zero.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  onTestFinished(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: () => Promise.resolve() });
  await expect
    .poll(async () => (await readConsumerLag(admin, [{ groupId, topics: [topic] }])).map((l) => l.lag), {
      timeout: 60_000,
      interval: 500,
    })
    .toEqual([0, 0, 0]);
}, 120_000);

test('the recorder writes each sample to the consumer_lag table', async () => {
  const kafka = createKafka(testServices().kafkaBrokers, uniqueName('lag-test'), log);
  const groupId = uniqueName('lag-group');
  const { admin, topic } = await topicWithRecords(kafka, [groupId]);
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 1, offset: '1' }] });
  const pool = testPool();
  const schema = testSchema(pool);
  await migrate(pool, { schema });

  const clock = new ManualClock(1_780_000_000_000_000);
  // A long period: the samples of this test are the first one (start) and the explicit one.
  const recorder = new ConsumerLagRecorder(
    kafka,
    testServices().databaseUrl,
    schema,
    [{ groupId, topics: [topic] }],
    clock,
    log,
    { intervalMs: 3_600_000 },
  );
  onTestFinished(() => recorder.stop());
  await recorder.start();
  clock.advance(15_000_000);
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '10' }] });
  await recorder.recordOnce();
  expect(recorder.stats).toEqual({ samples: 2, failures: 0 });

  const { rows } = await pool.query<{
    at_us: string;
    partition: number;
    committed: string | null;
    lag: string;
  }>(
    `SELECT at_us::text, partition, committed_offset::text AS committed, lag::text
     FROM ${quoteIdent(schema)}.consumer_lag WHERE group_id = $1 AND topic = $2 ORDER BY at, partition`,
    [groupId, topic],
  );
  const first = String(1_780_000_000_000_000);
  const second = String(1_780_000_015_000_000);
  expect(rows).toEqual([
    { at_us: first, partition: 0, committed: null, lag: '10' },
    { at_us: first, partition: 1, committed: '1', lag: '3' },
    { at_us: first, partition: 2, committed: null, lag: '0' },
    { at_us: second, partition: 0, committed: '10', lag: '0' },
    { at_us: second, partition: 1, committed: '1', lag: '3' },
    { at_us: second, partition: 2, committed: null, lag: '0' },
  ]);
}, 120_000);

test('a sample that cannot be taken is counted and logged, and the recorder keeps going', async () => {
  const kafka = createKafka(testServices().kafkaBrokers, uniqueName('lag-test'), log);
  const pool = testPool();
  const schema = testSchema(pool);
  await migrate(pool, { schema });
  const recorder = new ConsumerLagRecorder(
    kafka,
    testServices().databaseUrl,
    schema,
    // A topic that does not exist (yet): kafkajs refuses its offsets.
    [{ groupId: uniqueName('lag-group'), topics: [uniqueName('missing')] }],
    new ManualClock(0),
    log,
    { intervalMs: 3_600_000 },
  );
  onTestFinished(() => recorder.stop());
  await recorder.start();
  expect(recorder.stats).toEqual({ samples: 0, failures: 1 });
  expect(
    () => new ConsumerLagRecorder(kafka, '', schema, [], new ManualClock(0), log, { intervalMs: 0 }),
  ).toThrow(/intervalMs must be a positive integer/);
}, 120_000);

test('a pipeline running the sink records the lag of every stage group on its inputs', async () => {
  const prefix = uniqueName('lagpipe');
  const pool = testPool();
  const schema = testSchema(pool);
  const pipeline = await startPipeline({
    stages: ['sink'],
    kafkaBrokers: testServices().kafkaBrokers,
    topicPrefix: prefix,
    site: await loadSiteLayout(SEED_SITE_FILE.pathname),
    databaseUrl: testServices().databaseUrl,
    databaseSchema: schema,
    databasePoolSize: 2,
    consumerLagIntervalMs: 250,
    log,
  });
  onTestFinished(async () => {
    await pipeline.stop();
    const admin = pipeline.kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: Object.values(kafkaTopics(prefix)) as string[] })
      .catch(() => undefined);
    await admin.disconnect();
  });
  const expected = pipelineLagTargets(prefix)
    .flatMap((t) => t.topics.map((topic) => `${t.groupId} ${topic}`))
    .sort();
  const recorded = async () =>
    (
      await pool.query<{ k: string }>(
        `SELECT DISTINCT group_id || ' ' || topic AS k FROM ${quoteIdent(schema)}.consumer_lag ORDER BY 1`,
      )
    ).rows.map((r) => r.k);
  await expect.poll(recorded, { timeout: 60_000, interval: 500 }).toEqual(expected);
  // Nothing was produced: no lag anywhere.
  const { rows } = await pool.query<{ lag: string }>(
    `SELECT coalesce(max(lag), 0)::text AS lag FROM ${quoteIdent(schema)}.consumer_lag`,
  );
  expect(rows[0]!.lag).toBe('0');
}, 120_000);
