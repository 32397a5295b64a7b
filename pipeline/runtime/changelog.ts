import { randomBytes } from 'node:crypto';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import type { Logger } from '../../runtime/logger.js';
import { retryKafkaStart } from './kafka-start-retry.js';
import { createTopicsSurely } from './topics.js';

/**
 * `max.message.bytes` of changelog topics: 16 MiB instead of the broker's 1 MB default. A segment of
 * a stage's changelog is sent as one record batch (appended whole or not at all) and is cut at input
 * record boundaries, so it can exceed its target (512 KB for dedup, 100 pallets for locate) by what
 * one input record changes: a 1 MB raw-reads record (~10,000 reads) changes ≤ ~1.1 MB of dedup
 * windows per open window start (1 s windows + 0.5 s lateness: 2–3), ~3.5 MB, with 4× margin.
 * Consumers fetch a batch larger than their fetch size whole (KIP-74), so nothing else changes.
 */
export const CHANGELOG_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Create a compacted changelog topic if it is missing (idempotent; safe to race), and raise
 * `max.message.bytes` of one created before that limit existed (whose 1 MB made a large segment fail
 * the stage for good).
 */
export async function ensureChangelogTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return raiseMaxMessageBytes(admin, topic);
  await createTopicsSurely(admin, [
    {
      topic,
      numPartitions: partitions,
      replicationFactor: -1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'max.message.bytes', value: String(CHANGELOG_MAX_MESSAGE_BYTES) },
      ],
    },
  ]);
  // Created by another process in between, maybe before this limit existed.
  await raiseMaxMessageBytes(admin, topic);
}

/**
 * kafkajs has no incremental AlterConfigs: a plain AlterConfigs replaces every topic-level override,
 * so the topic's own overrides (compaction, anything an operator set) are sent back with the new limit.
 */
// kafkajs is CommonJS and Node's ESM loader does not see these enums as named exports.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

async function raiseMaxMessageBytes(admin: Admin, topic: string): Promise<void> {
  const described = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    includeSynonyms: false,
  });
  const entries = described.resources[0]?.configEntries ?? [];
  const current = Number(entries.find((e) => e.configName === 'max.message.bytes')?.configValue);
  if (current >= CHANGELOG_MAX_MESSAGE_BYTES) return;
  const overrides = entries
    .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== 'max.message.bytes')
    .map((e) => ({ name: e.configName, value: e.configValue }));
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: [
          ...overrides,
          { name: 'max.message.bytes', value: String(CHANGELOG_MAX_MESSAGE_BYTES) },
        ],
      },
    ],
  });
}

export interface ChangelogRecord {
  key: string;
  value: Buffer | null;
}

/**
 * Read the given partitions of a (changelog) topic from the beginning to their current end, in
 * offset order. A throwaway consumer group of its own is used (kafkajs has no manual assignment);
 * the broker's `group.initial.rebalance.delay.ms` should be small for a quick join.
 */
export async function readPartitionsToEnd(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[],
  timeoutMs = 60_000,
  /** With a logger, "not yet" answers of the broker are retried (retryKafkaStart) and logged. */
  log?: Logger,
): Promise<Map<number, ChangelogRecord[]>> {
  const out = new Map<number, ChangelogRecord[]>(partitions.map((p) => [p, []]));
  const retried = <T>(what: string, step: () => Promise<T>): Promise<T> =>
    log ? retryKafkaStart(`${what} ${topic}`, step, { log, timeoutMs }) : step();
  const ends = await retried('read end offsets of', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(
        offsets
          .filter((o) => out.has(o.partition) && Number(o.high) > Number(o.low))
          .map((o) => [o.partition, Number(o.high)]),
      );
    } finally {
      await admin.disconnect();
    }
  });
  if (ends.size === 0) return out;

  const consumer = kafka.consumer({
    groupId: `restore-${topic}-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  try {
    await retried('connect to read', () => consumer.connect());
    await retried('subscribe to', () => consumer.subscribe({ topics: [topic], fromBeginning: true }));
    const pending = new Set(ends.keys());
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`changelog ${topic} not read to its end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition);
            const records = out.get(batch.partition);
            if (end === undefined || !records) return;
            for (const m of batch.messages) {
              if (Number(m.offset) >= end) break;
              records.push({ key: m.key?.toString('utf8') ?? '', value: m.value });
            }
            if (Number(batch.lastOffset()) + 1 >= end) pending.delete(batch.partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
