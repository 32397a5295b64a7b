import type { Consumer, Kafka, Producer, TopicMessages } from 'kafkajs';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { stageMessagesInTotal, stageRecordsOutTotal } from '../../runtime/metrics.js';
import { readPartitionsToEnd } from './changelog.js';
import { retryKafkaStart } from './kafka-start-retry.js';
import { packRecords, type PackedRecord } from './packed-records.js';
import { createStageProducer } from './producer.js';
import type { OutputRecord, Stage } from './stage.js';
import { utf8Bytes } from './utf8-bytes.js';

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
  /**
   * Input partitions handled at once (kafkajs `partitionsConsumedConcurrently`). Their outputs and
   * offset commits share one produce request and one commit: per fetched batch those are two
   * round trips to the broker, which under load cost more than the work (bench profile: stages
   * 40-70% idle while their lag grew). Default 6, one per partition of our keyed topics.
   */
  partitionsConcurrently?: number;
}

interface OffsetCommit {
  topic: string;
  partition: number;
  offset: string;
}

/** Outputs of one handled batch (or tick) and the offsets to commit once they are durable. */
interface PendingStep {
  records: OutputRecord[];
  commits: OffsetCommit[];
  /** A fetched batch's step (not a tick's). */
  batch?: true;
}

export interface StageStats {
  batches: number;
  messagesIn: number;
  recordsOut: number;
  /** Offset commit requests (one per flush that had offsets to commit). */
  commits: number;
  /** Fetched batches whose outputs were produced and whose offsets were committed. */
  batchesCommitted: number;
  /** Offset commits that failed (a rebalance in flight): the next commit covers their offsets. */
  commitsFailed: number;
}

/**
 * Changelog records per request, about: whole segments are added until a request holds this much.
 * A segment is at most ~1.1 MB (dedup's 512 KB plus one record's share), so a request stays far
 * under the changelog topic's `max.message.bytes` (16 MiB, pipeline/runtime/changelog.ts).
 */
const CHANGELOG_REQUEST_BYTES = 1024 * 1024;

/** One flush of pending steps: `produced` once their outputs are durable, `done` once committed. */
interface Flush {
  produced: Promise<void>;
  done: Promise<void>;
}

/**
 * Runs a Stage as a member of a Kafka consumer group: consume → process → produce (acks=all,
 * idempotent producer) → commit. Produces run one after another, so a tick's output is durable
 * before any later step's; each commit follows its own outputs and the commit before it.
 */
export class StageRunner {
  readonly stats: StageStats = {
    batches: 0,
    messagesIn: 0,
    recordsOut: 0,
    commits: 0,
    batchesCommitted: 0,
    commitsFailed: 0,
  };
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The last flush's produce and commit: a flush's produce follows the last produce, its commit the last commit. */
  private producing: Promise<void> = Promise.resolve();
  private committing: Promise<void> = Promise.resolve();
  /** Per `partition:topic` owned: the offset after the last batch handled, and the last committed. */
  private readonly handledEnd = new Map<string, { topic: string; partition: number; end: number }>();
  private readonly committed = new Map<string, number>();
  /** Steps handed over but not yet taken by a flush, in the order they were handled. */
  private pending: PendingStep[] = [];
  /** The flush that will take `pending`, shared by everyone waiting for it. */
  private nextFlush: Flush | undefined;
  private failure: unknown;
  private stopping = false;
  private joined = false;

  constructor(
    private readonly kafka: Kafka,
    readonly stage: Stage,
    private readonly log: Logger,
    private readonly options: StageRunnerOptions = {},
  ) {}

  /**
   * Every step that talks to Kafka is retried while the broker answers "not yet" (metadata of new
   * topics lagging, a restarted broker loading): see retryKafkaStart. Fatal errors fail at once.
   */
  async start(): Promise<void> {
    const retry = { log: this.log };
    const name = this.stage.name;
    if (this.stage.start) {
      const stage = this.stage;
      // A stage's start may subscribe consumers of its own (locate's customs table): a failed
      // attempt is stopped before the next so that it leaves no half-started client behind.
      await retryKafkaStart(`${name}: stage start`, () => stage.start!(), {
        ...retry,
        beforeRetry: () => stage.stop?.(),
      });
    }
    for (const topic of this.stage.packedOutputs ?? [])
      this.partitionCounts.set(
        topic,
        await retryKafkaStart(
          `${name}: partitions of ${topic}`,
          () => partitionCount(this.kafka, topic),
          retry,
        ),
      );
    const producer = createStageProducer(this.kafka);
    await retryKafkaStart(`${name}: producer connect`, () => producer.connect(), retry);
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
    const fetches = this.stage.fetches;
    if (fetches) {
      consumer.on(consumer.events.FETCH_START, ({ payload }) => fetches.started(payload.nodeId));
      consumer.on(consumer.events.FETCH, ({ payload }) => fetches.returned(payload.nodeId));
    }
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      fetches?.reset();
      const owned = new Map(Object.entries(payload.memberAssignment));
      for (const topic of this.stage.inputs) {
        const keep = new Set(owned.get(topic) ?? []);
        const before = new Set(this.ownedPartitions.get(topic) ?? []);
        const revoked = [...before].filter((p) => !keep.has(p));
        if (revoked.length > 0) this.stage.onRevoked?.(topic, revoked);
        for (const p of revoked) {
          this.handledEnd.delete(`${p}:${topic}`);
          this.committed.delete(`${p}:${topic}`);
        }
        if (topic === this.stage.changelog?.input) {
          for (const p of revoked) this.toRestore.delete(p);
          for (const p of keep) if (!before.has(p)) this.toRestore.add(p);
        }
        this.ownedPartitions.set(topic, [...keep]);
      }
      this.joined = true;
      this.log.info({ stage: this.stage.name, assignment: payload.memberAssignment }, 'partitions assigned');
      // Restore gained partitions now, not when their first batch comes: a worker holds its state
      // (and says so) whether or not input is waiting. Their batches wait for it (eachBatch).
      if (this.toRestore.size > 0)
        this.restoreOnce().catch((err: unknown) =>
          this.log.warn(
            { stage: name, err: describeError(err) },
            'changelog restore failed; retried with the next batch',
          ),
        );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts the consumer after a retriable crash (a broker restart); after any other
      // it stays stopped, and the stage would sit deaf while looking alive: hand it to onFatal.
      if (payload.restart || this.stopping) return;
      this.failure = payload.error;
      this.log.error({ stage: name, err: describeError(payload.error) }, 'consumer crashed for good');
      this.options.onFatal?.(payload.error);
    });
    await retryKafkaStart(`${name}: consumer connect`, () => consumer.connect(), retry);
    // kafkajs refreshes the topics' metadata here and, unlike elsewhere, does not retry
    // UNKNOWN_TOPIC_OR_PARTITION: the call that failed start-up right after topic creation.
    await retryKafkaStart(
      `${name}: subscribe ${this.stage.inputs.join(', ')}`,
      () =>
        consumer.subscribe({
          topics: this.stage.inputs,
          fromBeginning: this.options.fromBeginning ?? true,
        }),
      retry,
    );
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 6,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0 || this.stopping) return;
        this.heartbeat = heartbeat;
        while (this.toRestore.size > 0) await this.restoreOnce();
        const records = await this.stage.handleBatch(batch.topic, batch.partition, batch.messages);
        this.stats.batches++;
        this.stats.messagesIn += batch.messages.length;
        stageMessagesInTotal.inc({ stage: this.stage.name }, batch.messages.length);
        const last = Number(batch.lastOffset());
        // Taken now, with the state exactly as this batch left it: the outputs that state depends
        // on are this step's or an earlier one's, all produced before the commit.
        const retained = this.stage.retainedOffset?.(batch.topic, batch.partition);
        const commitAt = retained === undefined ? last + 1 : Math.min(retained, last + 1);
        this.handledEnd.set(`${batch.partition}:${batch.topic}`, {
          topic: batch.topic,
          partition: batch.partition,
          end: last + 1,
        });
        const flush = this.submit({
          records,
          commits: [{ topic: batch.topic, partition: batch.partition, offset: String(commitAt) }],
          batch: true,
        });
        // The next fetch waits for this batch's outputs (and changelog) to be durable, not for its
        // offset commit: the commit overlaps the next fetch and handling (a broker round trip less
        // per cycle). When stopping, the commit is made before the consumer leaves the group.
        try {
          await flush.produced;
        } catch (err) {
          // The producer retries a broker that is away without end: this is a refusal (a record
          // too large, no authorisation). The state has taken the batch, so letting kafkajs
          // re-deliver it would skip it, and a later commit would pass its lost outputs: stop.
          this.fail(err);
          return;
        }
        if (this.stopping) await flush.done;
        resolveOffset(batch.lastOffset());
        await heartbeat();
      },
    });
    if (this.stage.tick) {
      const tick = this.stage.tick.bind(this.stage);
      this.timer = setInterval(() => {
        const records = tick();
        // A tick may write state (a stage's changelog written at most so often, an idle flush) and
        // so release input the stage was holding: commit it, or a quiet input would stay behind.
        const commits = this.releasedByTick();
        if (records.length === 0 && commits.length === 0) return;
        // The flushed windows are gone from state: committing past them would lose them.
        this.submit({ records, commits }).done.catch((err: unknown) => this.fail(err));
      }, this.options.tickMs ?? 500);
      this.timer.unref();
    }
    this.log.info(
      { stage: this.stage.name, inputs: this.stage.inputs, group: this.stage.groupId },
      'stage started',
    );
  }

  /**
   * Outputs that state no longer holds could not be produced: consume and commit nothing more, and
   * hand the error to `onFatal` (the process exits and restarts from its committed offsets).
   */
  private fail(err: unknown): void {
    if (this.stopping) {
      // Stopping already (a failure before, or the stop began): nothing is committed after this
      // output, and the next start replays from the last commit.
      this.log.warn(
        { stage: this.stage.name, err: describeError(err) },
        'output not produced before the stop; replayed on the next start',
      );
      return;
    }
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    void this.consumer?.stop();
    this.options.onFatal?.(err);
  }

  private readonly ownedPartitions = new Map<string, number[]>();
  /** Packed output topics' partition counts, read once at start (a key's partition depends on it). */
  private readonly partitionCounts = new Map<string, number>();
  /** Partitions gained since the last restore: their state is read from the changelog first. */
  private readonly toRestore = new Set<number>();

  private restoring: Promise<void> | undefined;
  /** The heartbeat of the latest batch: batches that wait for a restore must not lose the group. */
  private heartbeat: (() => Promise<void>) | undefined;

  /** One restore at a time: the assignment and the partitions' batches all wait for the same one. */
  private restoreOnce(): Promise<void> {
    this.restoring ??= this.restore().finally(() => {
      this.restoring = undefined;
    });
    return this.restoring;
  }

  private async restore(): Promise<void> {
    const changelog = this.stage.changelog;
    if (!changelog) {
      this.toRestore.clear();
      return;
    }
    const partitions = [...this.toRestore].sort((a, b) => a - b);
    const startedMs = Date.now();
    // Keep the group membership alive while the changelog is read (kafkajs beats by itself only
    // while no batch is waiting).
    const beat = setInterval(() => void this.heartbeat?.().catch(() => undefined), 1_000);
    try {
      const records = await readPartitionsToEnd(this.kafka, changelog.topic, partitions, undefined, this.log);
      let count = 0;
      for (const [partition, list] of records) {
        changelog.restore(partition, list);
        count += list.length;
      }
      for (const p of partitions) this.toRestore.delete(p);
      this.log.info(
        { stage: this.stage.name, partitions, records: count, ms: Date.now() - startedMs },
        'state restored from changelog',
      );
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * Ready: a member of its consumer group with its partitions assigned (possibly none, when the
   * group has more members than partitions), and no produce of its outputs failed.
   */
  get ready(): boolean {
    return this.joined && !this.stopping && this.failure === undefined;
  }

  /** The error of the last failed produce, if any. */
  get error(): unknown {
    return this.failure;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    // Commits still in flight are made while the consumer is a member of its group; a batch being
    // handled now waits for its own (eachBatch), and the consumer leaves once it has.
    await this.settled();
    await this.commitPersisted();
    await this.consumer?.disconnect();
    await this.settled();
    await this.producer?.disconnect();
    await this.stage.stop?.();
    this.log.info({ stage: this.stage.name, ...this.stats }, 'stage stopped');
  }

  /** What the stage holds back only until it is durable: made durable and committed before leaving. */
  private async commitPersisted(): Promise<void> {
    if (!this.stage.persist || this.failure !== undefined) return;
    try {
      await this.stage.persist();
    } catch (err) {
      // Nothing is lost: what stays uncommitted is replayed by the next start.
      this.log.warn({ stage: this.stage.name, err: describeError(err) }, 'cannot persist before stopping');
      return;
    }
    const commits = this.releasedByTick();
    if (commits.length > 0) await this.submit({ records: [], commits }).done.catch(() => undefined);
  }

  /**
   * Hand a step's outputs and commit to the next flush. Steps handed over while a flush is in
   * flight go together in the one after it: one produce and one offset commit for them all, in the
   * order they were handled (outputs before changelog, both before the commits). The flush's
   * `produced` settles when its outputs are durable, `done` when its commit has been made too.
   */
  private submit(step: PendingStep): Flush {
    this.pending.push(step);
    if (!this.nextFlush) {
      const produced = this.producing.then(async () => {
        // Let the other partitions of the same fetch, handled on this turn of the event loop, join.
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.nextFlush = undefined;
        const steps = this.pending;
        this.pending = [];
        // After a failed produce nothing more is produced: a later flush (a tick's, handed over
        // while the failed one was in flight) would write a changelog recording effects whose
        // outputs are lost, and a restart would skip their input.
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrown as it was raised
        if (this.failure !== undefined) throw this.failure;
        await this.produce(steps.length === 1 ? steps[0]!.records : steps.flatMap((s) => s.records));
        return steps;
      });
      this.producing = produced.then(
        () => undefined,
        (err: unknown) => {
          if (err === this.failure) return; // a flush after the failed one, not produced (above)
          this.failure = err;
          this.log.error({ stage: this.stage.name, err: describeError(err) }, 'produce failed');
        },
      );
      // Commits go in order (a later one never overtaken by an earlier), each after its outputs;
      // the next flush's produce does not wait for them.
      const done = Promise.all([produced, this.committing]).then(([steps]) => this.commit(steps));
      this.committing = done.catch(() => undefined);
      // A batch waits for `produced` (and fails with it), a tick for `done`; the failure is logged
      // above, so neither may raise an unhandled rejection when nobody waits for it.
      const outputs = produced.then(() => undefined);
      outputs.catch(() => undefined);
      done.catch(() => undefined);
      this.nextFlush = { produced: outputs, done };
    }
    return this.nextFlush;
  }

  /**
   * Commit the steps' input offsets (the last of each topic-partition stands). A commit only saves
   * replay: the outputs are durable already, and a stateful stage's changelog says which input its
   * state holds (`nextOffset`, replays below it are skipped). So a failed commit (the group
   * rebalancing while it was in flight, the coordinator moving) is logged and made good by the next
   * one, rather than failing the stage.
   */
  private async commit(steps: PendingStep[]): Promise<void> {
    const commits = new Map<string, OffsetCommit>();
    for (const s of steps) for (const c of s.commits) commits.set(`${c.partition}:${c.topic}`, c);
    // Once a produce has failed, nothing more is committed: its input must be replayed.
    if (commits.size === 0 || !this.consumer || this.failure !== undefined) return;
    try {
      await this.consumer.commitOffsets([...commits.values()]);
    } catch (err) {
      this.stats.commitsFailed++;
      this.log.warn(
        { stage: this.stage.name, err: describeError(err), offsets: [...commits.values()] },
        'offset commit failed; the next commit covers these offsets',
      );
      return;
    }
    for (const [key, c] of commits) this.committed.set(key, Number(c.offset));
    this.stats.commits++;
    for (const s of steps) if (s.batch) this.stats.batchesCommitted++;
  }

  /** Every flush handed over so far produced and committed (or failed). */
  private async settled(): Promise<void> {
    for (;;) {
      const [producing, committing] = [this.producing, this.committing];
      await Promise.all([producing, committing]);
      if (producing === this.producing && committing === this.committing) return;
    }
  }

  /**
   * Input partitions whose committable offset moved past the last commit without a new batch:
   * the end of the last batch handled, or less where the stage still holds input back.
   */
  private releasedByTick(): OffsetCommit[] {
    const out: OffsetCommit[] = [];
    for (const [key, { topic, partition, end }] of this.handledEnd) {
      const retained = this.stage.retainedOffset?.(topic, partition);
      const at = retained === undefined ? end : Math.min(retained, end);
      const before = this.committed.get(key);
      if (before === undefined || at > before) out.push({ topic, partition, offset: String(at) });
    }
    return out;
  }

  /** Outputs first, then the changelog: state never records an effect whose output is not durable. */
  private async produce(records: OutputRecord[]): Promise<void> {
    const changelog = this.stage.changelog?.topic;
    if (changelog === undefined) return this.send(records);
    await this.send(records.filter((r) => r.topic !== changelog));
    // Whole segments per request, as many as fit in ~1 MB: a request's records of one partition
    // form one record batch, appended whole or not at all, so each segment still lands whole (or
    // not), and a flush writing many small segments (locate's first write after a start holds
    // every pallet of the site, one segment per partition) pays one round trip, not one each.
    let request: OutputRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      if (r.topic !== changelog) continue;
      request.push(r);
      bytes += r.key.length + r.value.length + 64;
      if (r.segmentEnd && bytes >= CHANGELOG_REQUEST_BYTES) {
        await this.sendRequest(request);
        request = [];
        bytes = 0;
      }
    }
    await this.sendRequest(request);
  }

  /**
   * Outputs in requests of at most ~512 KB (a broker refuses a record batch over
   * `message.max.bytes`, 1 MB by default); they are idempotent, so a partial send is only replayed.
   */
  private async send(records: OutputRecord[]): Promise<void> {
    let chunk: OutputRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      chunk.push(r);
      bytes += r.key.length + r.value.length + 64;
      if (bytes >= 512 * 1024) {
        await this.sendRequest(chunk);
        chunk = [];
        bytes = 0;
      }
    }
    await this.sendRequest(chunk);
  }

  private async sendRequest(records: OutputRecord[]): Promise<void> {
    if (records.length === 0 || !this.producer) return;
    const byTopic = new Map<string, TopicMessages>();
    for (const r of this.partitionCounts.size > 0 ? this.packed(records) : records) {
      let t = byTopic.get(r.topic);
      if (!t) {
        t = { topic: r.topic, messages: [] };
        byTopic.set(r.topic, t);
      }
      // Bytes, not the string: kafkajs would encode a string with `Buffer.from`, far slower for
      // the ASCII JSON we produce (utf8-bytes.ts).
      const value =
        'tombstone' in r && r.tombstone ? null : typeof r.value === 'string' ? utf8Bytes(r.value) : r.value;
      t.messages.push(
        r.partition === undefined ? { key: r.key, value } : { key: r.key, value, partition: r.partition },
      );
    }
    await this.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    this.stats.recordsOut += records.length;
    stageRecordsOutTotal.inc({ stage: this.stage.name }, records.length);
  }

  /** Records of packed topics packed per partition, in order; the rest as they are. */
  private packed(records: OutputRecord[]): Array<OutputRecord | PackedRecord> {
    const toPack = new Map<string, OutputRecord[]>();
    const out: Array<OutputRecord | PackedRecord> = [];
    for (const r of records) {
      if (!this.partitionCounts.has(r.topic)) {
        out.push(r);
        continue;
      }
      let list = toPack.get(r.topic);
      if (!list) toPack.set(r.topic, (list = []));
      list.push(r);
    }
    for (const [topic, list] of toPack) out.push(...packRecords(list, this.partitionCounts.get(topic)!));
    return out;
  }
}

async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = meta.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`topic ${topic} has no partitions`);
    return count;
  } finally {
    await admin.disconnect();
  }
}
