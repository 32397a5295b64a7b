import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../runtime/logger.js';
import { retryKafkaStart } from './kafka-start-retry.js';
import { topicsAppear } from './topics.js';

/** Create a compacted changelog topic if it is missing (idempotent; safe to race). */
export async function ensureChangelogTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: -1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
      waitForLeaders: true,
    });
  } catch (err) {
    if (!(await topicsAppear(admin, [topic]))) throw err;
  }
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
