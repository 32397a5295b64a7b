import type { Admin } from 'kafkajs';

/** Which topics of which consumer group to measure. */
export interface ConsumerLagTarget {
  groupId: string;
  topics: string[];
}

/** The lag of one consumer group on one topic-partition, at one instant. */
export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  /** Offset the next produced record will get (the partition's high watermark). */
  endOffset: number;
  /**
   * Offset the group will consume next, or undefined when the group has committed nothing on this
   * partition yet (then lag counts from the earliest retained record, which is where a group that
   * starts from the beginning resumes).
   */
  committedOffset: number | undefined;
  /** Records produced but not yet committed by the group (never negative). */
  lag: number;
}

/**
 * Lag of each group on each partition of its topics: topic end offset minus the group's committed
 * offset. Lag lives in Kafka, not in any one worker, so this asks the brokers (any admin client will
 * do; it neither joins nor disturbs the group). Offsets are int64 in Kafka; they are returned as
 * numbers, exact up to 2^53 records per partition.
 *
 * A missing topic throws (kafkajs' `fetchTopicOffsets` does): callers measuring a pipeline that is
 * still creating its topics should retry on their next period.
 */
export async function readConsumerLag(
  admin: Admin,
  targets: readonly ConsumerLagTarget[],
): Promise<PartitionLag[]> {
  const topicNames = [...new Set(targets.flatMap((t) => t.topics))];
  const ends = new Map<string, Map<number, { high: number; low: number }>>();
  await Promise.all(
    topicNames.map(async (topic) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(
        topic,
        new Map(offsets.map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }])),
      );
    }),
  );

  const result: PartitionLag[] = [];
  for (const target of targets) {
    if (target.topics.length === 0) continue;
    const committed = await admin.fetchOffsets({ groupId: target.groupId, topics: target.topics });
    for (const { topic, partitions } of committed) {
      const topicEnds = ends.get(topic);
      if (!topicEnds) continue;
      const byPartition = new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
      for (const [partition, end] of [...topicEnds].sort((a, b) => a[0] - b[0])) {
        const raw = byPartition.get(partition);
        // Kafka answers -1 for "no committed offset" (OffsetFetch v1+).
        const committedOffset = raw === undefined || raw < 0 ? undefined : raw;
        result.push({
          groupId: target.groupId,
          topic,
          partition,
          endOffset: end.high,
          committedOffset,
          lag: computeLag(end.high, end.low, committedOffset),
        });
      }
    }
  }
  return result;
}

/**
 * Records between the committed offset and the end. Without a commit the group would start at the
 * earliest retained record (`low`); a commit below `low` (records deleted by retention before they
 * were consumed) counts only what can still be read.
 */
export function computeLag(
  endOffset: number,
  lowOffset: number,
  committedOffset: number | undefined,
): number {
  const from = Math.max(committedOffset ?? lowOffset, lowOffset);
  return Math.max(0, endOffset - from);
}
