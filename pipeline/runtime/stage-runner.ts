import type { Consumer, Kafka, Producer, TopicMessages } from 'kafkajs';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { createStageProducer } from './producer.js';
import type { OutputRecord, Stage } from './stage.js';

export interface StageRunnerOptions {
  /** Period of `stage.tick()` in processing time. Default 500 ms. */
  tickMs?: number;
  /** Read the input from the beginning when the group has no committed offsets. Default true. */
  fromBeginning?: boolean;
  /**
   * Called when output that state no longer holds could not be produced. The stage stops consuming
   * and must not commit further: the process should exit and restart from its committed offsets.
   */
  onFatal?: (err: unknown) => void;
}

export interface StageStats {
  batches: number;
  messagesIn: number;
  recordsOut: number;
  commits: number;
}

/**
 * Runs a Stage as a member of a Kafka consumer group: consume → process → produce (acks=all,
 * idempotent producer) → commit. Every produce-then-commit step runs on one promise chain so that a
 * tick's output is durable before any offset that depended on it is committed.
 */
export class StageRunner {
  readonly stats: StageStats = { batches: 0, messagesIn: 0, recordsOut: 0, commits: 0 };
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly stage: Stage,
    private readonly log: Logger,
    private readonly options: StageRunnerOptions = {},
  ) {}

  async start(): Promise<void> {
    await this.stage.start?.();
    const producer = createStageProducer(this.kafka);
    await producer.connect();
    this.producer = producer;
    const consumer = this.kafka.consumer({
      groupId: this.stage.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 30_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      // A short fetch wait keeps read→event latency low and lets a stop finish quickly.
      maxWaitTimeInMs: 250,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const owned = new Map(Object.entries(payload.memberAssignment));
      for (const topic of this.stage.inputs) {
        const keep = new Set(owned.get(topic) ?? []);
        const revoked = this.ownedPartitions.get(topic)?.filter((p) => !keep.has(p)) ?? [];
        if (revoked.length > 0) this.stage.onRevoked?.(topic, revoked);
        this.ownedPartitions.set(topic, [...keep]);
      }
      this.log.info({ stage: this.stage.name, assignment: payload.memberAssignment }, 'partitions assigned');
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: this.stage.inputs,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0 || this.stopping) return;
        const records = await this.stage.handleBatch(batch.topic, batch.partition, batch.messages);
        this.stats.batches++;
        this.stats.messagesIn += batch.messages.length;
        const last = Number(batch.lastOffset());
        await this.serially(async () => {
          await this.produce(records);
          const retained = this.stage.retainedOffset?.(batch.topic, batch.partition);
          const commitAt = retained === undefined ? last + 1 : Math.min(retained, last + 1);
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: String(commitAt) },
          ]);
          this.stats.commits++;
        });
        resolveOffset(batch.lastOffset());
        await heartbeat();
      },
    });
    if (this.stage.tick) {
      const tick = this.stage.tick.bind(this.stage);
      this.timer = setInterval(() => {
        const records = tick();
        if (records.length === 0) return;
        this.serially(() => this.produce(records)).catch((err: unknown) => {
          // The flushed windows are gone from state: committing past them now would lose them.
          this.stopping = true;
          if (this.timer) clearInterval(this.timer);
          void this.consumer?.stop();
          this.options.onFatal?.(err);
        });
      }, this.options.tickMs ?? 500);
      this.timer.unref();
    }
    this.log.info(
      { stage: this.stage.name, inputs: this.stage.inputs, group: this.stage.groupId },
      'stage started',
    );
  }

  private readonly ownedPartitions = new Map<string, number[]>();

  /** Error that stopped the stage's produce/commit chain, if any. */
  get error(): unknown {
    return this.failure;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.disconnect();
    await this.chain.catch(() => undefined);
    await this.producer?.disconnect();
    await this.stage.stop?.();
    this.log.info({ stage: this.stage.name, ...this.stats }, 'stage stopped');
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch((err: unknown) => {
      this.failure = err;
      this.log.error({ stage: this.stage.name, err: describeError(err) }, 'produce/commit failed');
    });
    return next;
  }

  private async produce(records: OutputRecord[]): Promise<void> {
    if (records.length === 0 || !this.producer) return;
    const byTopic = new Map<string, TopicMessages>();
    for (const r of records) {
      let t = byTopic.get(r.topic);
      if (!t) {
        t = { topic: r.topic, messages: [] };
        byTopic.set(r.topic, t);
      }
      t.messages.push({ key: r.key, value: r.value });
    }
    await this.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    this.stats.recordsOut += records.length;
  }
}
