import type { KafkaMessage } from 'kafkajs';

/** A record a stage wants produced: topic, key (partitioning), JSON value. */
export interface OutputRecord {
  topic: string;
  key: string;
  value: string;
}

/**
 * One pipeline stage as the consumer-group runtime drives it. The runtime consumes the `inputs`,
 * hands each fetched batch (one topic-partition) to `handleBatch`, produces what it returns, and only
 * then commits the offsets: up to the batch's end, or less when the stage still holds state built
 * from earlier records (`retainedOffset`). A crash therefore replays, never skips; deterministic ids
 * and the idempotent sink turn the replay into exactly-once effect.
 */
export interface Stage {
  readonly name: string;
  readonly inputs: string[];
  /** Consumer group; workers of one stage share it to split the partitions. */
  readonly groupId: string;
  handleBatch(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
  ): Promise<OutputRecord[]> | OutputRecord[];
  /** Lowest offset of this topic-partition whose effect is still only in memory. */
  retainedOffset?(topic: string, partition: number): number | undefined;
  /** Called every `tickMs` of processing time; may emit records (e.g. idle window flushes). */
  tick?(): OutputRecord[];
  /** Partitions this worker no longer owns: drop their state. */
  onRevoked?(topic: string, partitions: number[]): void;
  /** Extra work on start (e.g. loading a global table) and on stop. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
