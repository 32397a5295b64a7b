import type { KafkaMessage } from 'kafkajs';
import type { FetchProgress } from './fetch-progress.js';

/** A record a stage wants produced: topic, key (partitioning), JSON value. */
export interface OutputRecord {
  topic: string;
  key: string;
  value: string;
  /** Produce a null value instead (a changelog entry whose state is gone); `value` is then ignored. */
  tombstone?: boolean;
  /** Explicit partition (changelog records go to their input partition's number). */
  partition?: number;
  /**
   * Changelog only: the state is consistent up to and including this record (a segment ends). The
   * runner produces each segment whole in one request (with other whole segments, up to ~1 MB), so
   * a segment is appended whole or not at all.
   */
  segmentEnd?: boolean;
}

/**
 * A stage's durable state: a compacted topic with one partition per input partition. Records the
 * stage returns for `topic` are produced after its other outputs and before the offset commit;
 * when the runner is given partitions it reads their changelog partitions to the end and hands the
 * records to `restore` before any input of those partitions is processed.
 */
export interface StageChangelog {
  readonly topic: string;
  /** Input topic whose partition numbers the changelog's mirror. */
  readonly input: string;
  restore(partition: number, records: Array<{ key: string; value: Buffer | null }>): void;
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
  /**
   * Fed by the runner from its consumer's fetches, for a stage whose `tick` must tell a quiet input
   * from a broker that is away (dedup's idle flush).
   */
  readonly fetches?: FetchProgress;
  /** Partitions this worker no longer owns: drop their state. */
  onRevoked?(topic: string, partitions: number[]): void;
  /**
   * Output topics the runner packs (pipeline/runtime/packed-records.ts): the records a flush
   * produces to one partition of such a topic go as one record holding a JSON array of their values.
   */
  readonly packedOutputs?: readonly string[];
  /** Durable state restored on assignment (optional; stages without one keep working unchanged). */
  readonly changelog?: StageChangelog;
  /**
   * On stop, before the last commit: make durable what is only retained for want of durability
   * (the sink's asynchronous commits), so that `retainedOffset` lets it go and less is replayed.
   */
  persist?(): Promise<void>;
  /** Extra work on start (e.g. loading a global table) and on stop. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
