import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { kafkaTopics } from '../../../schemas/index.js';
import { DEMO_CUSTOMS_FILE } from '../../../simulators/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';

// From seeds/demo-manifest.json.
const EPC_A = '31D5A537C8B2D791FC000000';
const SSCC_A = '369012340004720607';
const EPC_B = '31D5A537C8B2D791FD000000';
const AT_US = 1_767_225_600_000_000;

describe('bondtrack customs publish', () => {
  it('publishes statuses keyed by EPC on the murmur2 partition and dead-letters bad lines', async () => {
    const { kafkaBrokers } = testServices();
    const prefix = uniqueName('bt_customs');
    const topics = kafkaTopics(prefix);
    const dir = await mkdtemp(join(tmpdir(), 'bt-customs-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'customs.jsonl');
    const status = (fields: object) =>
      JSON.stringify({
        v: 1,
        site: 'WGQ-DEMO',
        declarationId: 'D-1',
        status: 'RELEASED',
        atUs: AT_US,
        ...fields,
      });
    await writeFile(
      file,
      [
        status({ epc: EPC_B, status: 'HELD' }),
        status({ sscc: SSCC_A }), // resolved to EPC_A through the manifest
        '{"v":1,"site":"WGQ-DEMO"', // truncated
        status({ sscc: '000000000000000000' }), // in no manifest
        '',
      ].join('\n'),
    );

    const cli = spawnBondtrack([
      'customs',
      'publish',
      '--file',
      file,
      '--topic-prefix',
      prefix,
      '--kafka-brokers',
      kafkaBrokers.join(','),
    ]);
    expect(await cli.exited()).toBe(65);
    expect(cli.stdout()).toMatch(/published 2 .* refused 2/);
    expect(cli.stderr()).toMatch(/BT_CUSTOMS_INVALID/);

    const kafka = new Kafka({ clientId: 'test', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const consumer = kafka.consumer({ groupId: uniqueName('customs-test'), maxWaitTimeInMs: 200 });
    onTestFinished(async () => {
      await consumer.disconnect();
      await admin.deleteTopics({
        topics: (Object.keys(topics) as Array<keyof typeof topics>).map((k) => topics[k]),
      });
      await admin.disconnect();
    });
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topics.customs] })).topics;
    const partitionMetadata = meta!.partitions;
    const murmur2 = Partitioners.DefaultPartitioner();

    const got: Array<{ topic: string; partition: number; key: string; value: Record<string, unknown> }> = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.customs, topics.dlq], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        got.push({
          topic,
          partition,
          key: message.key?.toString() ?? '',
          value: JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>,
        });
        return Promise.resolve();
      },
    });
    await expect.poll(() => got.length, { timeout: 30_000 }).toBe(4);

    const customs = got.filter((g) => g.topic === topics.customs).sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(customs.map((c) => [c.key, c.value['status'], c.value['epc']])).toEqual([
      [EPC_A, 'RELEASED', EPC_A],
      [EPC_B, 'HELD', EPC_B],
    ]);
    for (const c of customs) {
      const expected = murmur2({
        topic: topics.customs,
        partitionMetadata,
        message: { key: c.key, value: null },
      });
      expect(c.partition).toBe(expected);
    }
    const letters = got.filter((g) => g.topic === topics.dlq).map((g) => g.value['code']);
    expect(letters.sort()).toEqual(['BT_CUSTOMS_INVALID', 'BT_CUSTOMS_UNKNOWN_SSCC']);
  });

  it('publishes the demo seed, every status of it', async () => {
    const { kafkaBrokers } = testServices();
    const prefix = uniqueName('bt_customs_seed');
    const cli = spawnBondtrack([
      'customs',
      'publish',
      '--demo-seed',
      '--start',
      '2026-01-01T00:00:00Z',
      '--topic-prefix',
      prefix,
      '--kafka-brokers',
      kafkaBrokers.join(','),
    ]);
    expect(await cli.exited()).toBe(0);
    const seed = JSON.parse(await readFile(DEMO_CUSTOMS_FILE, 'utf8')) as { statuses: unknown[] };
    expect(cli.stdout()).toContain(`published ${seed.statuses.length} customs statuses`);
    const kafka = new Kafka({ clientId: 'test', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    onTestFinished(async () => {
      const topics = kafkaTopics(prefix);
      await admin.deleteTopics({
        topics: (Object.keys(topics) as Array<keyof typeof topics>).map((k) => topics[k]),
      });
      await admin.disconnect();
    });
    const offsets = await admin.fetchTopicOffsets(kafkaTopics(prefix).customs);
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(seed.statuses.length);
  });
});
