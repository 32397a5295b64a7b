import type { Admin } from 'kafkajs';
import { askKafkaAgain } from '../../pipeline/runtime/kafka-start-retry.js';

/** Messages in `topics` that `groupId` has not committed yet (uncommitted partitions count from 0). */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  const [committed, ends] = await Promise.all([
    askAgain(() => admin.fetchOffsets({ groupId, topics })),
    Promise.all(
      topics.map(async (topic) => ({
        topic,
        partitions: await askAgain(() => admin.fetchTopicOffsets(topic)),
      })),
    ),
  ]);
  let lag = 0;
  for (const { topic, partitions } of ends) {
    const group = committed.find((c) => c.topic === topic);
    for (const p of partitions) {
      const at = Number(group?.partitions.find((c) => c.partition === p.partition)?.offset ?? -1);
      lag += Math.max(0, Number(p.high) - Math.max(at, Number(p.low)));
    }
  }
  return lag;
}

/** Sum of the high watermarks of a topic: the records it holds (nothing is compacted or deleted here). */
export async function topicEnd(admin: Admin, topic: string): Promise<number> {
  const partitions = await askAgain(() => admin.fetchTopicOffsets(topic));
  return partitions.reduce((sum, p) => sum + Number(p.high), 0);
}

/**
 * Offset reads ask again while the broker answers "not yet": kafkajs's admin gives up at once on,
 * say, NOT_LEADER_OR_FOLLOWER, which a loaded broker answers for a moment about a partition it has
 * just created (seen 2026-11-28 with both cores saturated, failing the bench).
 */
function askAgain<T>(ask: () => Promise<T>): Promise<T> {
  return askKafkaAgain(ask, { timeoutMs: 30_000, initialDelayMs: 100, maxDelayMs: 2_000 });
}
