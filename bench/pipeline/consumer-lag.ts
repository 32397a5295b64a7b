import type { Admin } from 'kafkajs';

/** Messages in `topics` that `groupId` has not committed yet (uncommitted partitions count from 0). */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  const [committed, ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics }),
    Promise.all(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) }))),
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
  const partitions = await admin.fetchTopicOffsets(topic);
  return partitions.reduce((sum, p) => sum + Number(p.high), 0);
}
