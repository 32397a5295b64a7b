import type { KafkaMessage } from 'kafkajs';
import type { Clock } from '../../runtime/clock.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { MemoryStateStore } from '../../runtime/state-store.js';
import { ReaderStatus, type Alert, type KafkaTopics, type Observation } from '../../schemas/index.js';
import { ReaderHealth, type ReaderHealthOptions } from '../rules/reader-health.js';
import { deadLetterRecord } from '../runtime/dead-letters.js';
import { decodeReadBatch, decodeRecord } from '../runtime/decode-record.js';
import { ChangelogSchedule } from '../runtime/changelog-schedule.js';
import { FetchProgress } from '../runtime/fetch-progress.js';
import type { OutputRecord, Stage, StageChangelog } from '../runtime/stage.js';
import type { SiteIndex } from '../site/site-index.js';
import { DedupChangelog } from './dedup-changelog.js';
import { DedupOperator, type DedupOptions, type ReaderWindows } from './dedup-operator.js';

/**
 * A changelog segment is cut after the input record that takes its estimated size past this. One
 * segment is one produce request, so it must stay under the changelog topic's `max.message.bytes`
 * (raised to 16 MiB, pipeline/runtime/changelog.ts): 512 KB plus the last record's share — a
 * raw-reads record is at most 1 MB (~10,000 reads) → ≤ ~1.1 MB per open window start it spans.
 */
const SEGMENT_BYTES = 512 * 1024;

export interface DedupStageOptions extends DedupOptions {
  readerHealth?: ReaderHealthOptions;
  /**
   * Compacted changelog topic of the readers' windows (`{prefix}.dedup-state.v1`, same partition
   * count as raw reads). A worker that gains a partition restores its readers' windows, watermarks,
   * first-read memory and clock estimates from it and skips the records they already hold, so what
   * it emits is what the crashed worker would have. Without it state lives in memory only, and a
   * restart replays from the oldest open window with the rest of that memory lost.
   */
  stateTopic?: string;
  /**
   * Processing time between changelog writes of a partition (sooner when ~512 KB are pending, and
   * always with an idle flush). Default 1 s; 0 writes after every fetched batch. Offsets are
   * committed no further than the last write (`retainedOffset`), so a restart restores an older
   * state and replays a little more (the same ids again), never less: writing per batch rewrote
   * each touched window ~10× a second under load, a third of dedup's work (bench profile).
   */
  changelogIntervalUs?: number;
  /** Default: a `pipeline` logger of stage `dedup`. */
  log?: Logger;
}

/**
 * The dedup stage: raw reads (keyed by reader) in, observations (keyed by EPC) out. A record that is
 * not a ReadBatch goes to the dead-letter topic with its reason; the stage keeps going.
 */
export class DedupStage implements Stage {
  readonly name = 'dedup';
  readonly inputs: string[];
  /** Observations go packed, one record per partition per flush (pipeline/runtime/packed-records.ts). */
  readonly packedOutputs: readonly string[];
  readonly operator: DedupOperator;
  /** The input known fetched (fed by the runner): the idle flush holds while Kafka is away. */
  readonly fetches: FetchProgress;
  /** READER_DOWN: readers are keyed by reader here, so their health is watched where their reads land. */
  readonly health: ReaderHealth;
  private readonly log: Logger;
  readonly changelog: StageChangelog | undefined;
  /** Per raw-reads partition, input offsets below this are in the state (restored from the changelog). */
  private readonly nextOffsets = new Map<number, number>();
  /** Records skipped because the restored state already held them. */
  skippedReplays = 0;
  private readonly changes: DedupChangelog | undefined;
  /**
   * Per raw-reads partition: the readers changed since its last changelog write, when the next is
   * due, and the `nextOffset` the last one covers. The runner produces a tick's records in order with
   * the batches' and commits only what was produced, so an idle flush's write counts too (and the
   * runner commits it from the tick: the input does not stay behind).
   */
  private readonly schedule: ChangelogSchedule;

  constructor(
    private readonly topics: KafkaTopics,
    readonly groupId: string,
    site: SiteIndex | undefined,
    private readonly clock: Clock,
    options: DedupStageOptions = {},
  ) {
    this.log = options.log ?? createLogger('pipeline', { stage: 'dedup' });
    // Reader status has one partition: whichever worker owns it raises the status alerts, once.
    this.inputs = [topics.reads, topics.readerStatus];
    this.packedOutputs = [topics.observations];
    this.operator = new DedupOperator(site, clock, new MemoryStateStore<ReaderWindows>(), options);
    this.fetches = new FetchProgress(clock);
    this.health = new ReaderHealth(clock, options.readerHealth);
    const stateTopic = options.stateTopic;
    this.changes = stateTopic ? new DedupChangelog(stateTopic) : undefined;
    this.schedule = new ChangelogSchedule(clock, options.changelogIntervalUs ?? 1_000_000);
    this.changelog = stateTopic
      ? {
          topic: stateTopic,
          input: topics.reads,
          restore: (partition, records) => this.restore(partition, records),
        }
      : undefined;
  }

  handleBatch(topic: string, partition: number, messages: KafkaMessage[]): OutputRecord[] {
    if (topic === this.topics.readerStatus) return this.handleStatus(messages);
    const out: OutputRecord[] = [];
    const nextOffset = this.nextOffsets.get(partition) ?? 0;
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < nextOffset) {
        this.skippedReplays++;
        continue;
      }
      this.nextOffsets.set(partition, offset + 1);
      this.schedule.note(partition);
      const batch = decodeReadBatch(message.value);
      if (!batch.ok) {
        out.push(this.reject(message, batch.code, batch.reason));
        continue;
      }
      const newestReadUs = batch.value.reads.reduce((max, r) => Math.max(max, r.seenAtUs), 0);
      this.health.onBatch(batch.value.site, batch.value.readerId, partition, newestReadUs);
      this.schedule.keys(partition).add(batch.value.readerId);
      const touched = this.changes?.dirtyKeys(batch.value.readerId);
      const touchedBefore = touched?.size ?? 0;
      for (const obs of this.operator.ingest(batch.value, { partition, offset }, touched)) {
        out.push(this.toRecord(obs));
      }
      for (const r of this.operator.drainRejected()) {
        this.log.warn(
          {
            site: r.site,
            readerId: r.readerId,
            batchId: batch.value.batchId,
            epc: r.read.epc,
            code: r.code,
            reason: r.reason,
          },
          'read refused',
        );
        out.push(
          deadLetterRecord(this.topics.dlq, {
            stage: 'dedup',
            code: r.code,
            reason: r.reason,
            payload: JSON.stringify({ batchId: batch.value.batchId, read: r.read }),
            atUs: this.clock.nowUs(),
            site: r.site,
            readerId: r.readerId,
          }),
        );
      }
      if (this.changes && touched) {
        const reader = this.operator.reader(batch.value.readerId);
        this.changes.noteAdded(partition, reader, touched.size - touchedBefore);
        // Bounded segments: one produce request each (see SEGMENT_BYTES).
        if (this.changes.pendingBytes(partition) >= SEGMENT_BYTES) this.writeChangelog(partition, out);
      }
    }
    if (this.changes && this.schedule.due(partition)) this.writeChangelog(partition, out);
    return out;
  }

  /** The oldest input an open window holds, and none past the last changelog write. */
  retainedOffset(topic: string, partition: number): number | undefined {
    if (topic !== this.topics.reads) return undefined;
    const held = this.operator.retainedOffset(partition);
    const written = this.schedule.coveredOffset(partition);
    if (written === undefined) return held;
    return held === undefined ? written : Math.min(held, written);
  }

  tick(): OutputRecord[] {
    const flushed = this.operator.tick(this.fetches.fetchedUpToUs());
    const out = [
      ...flushed.map((o) => this.toRecord(o)),
      ...this.health.tick().map((a) => this.alertRecord(a)),
    ];
    if (!this.changes) return out;
    // The flushed windows are gone from state: the changelog must say so too (with whatever else
    // of the partition is unwritten, as the segment ends at its current offset).
    const partitions = new Set<number>();
    for (const o of flushed) {
      const p = this.operator.reader(o.readerId)?.partition;
      if (p === undefined || !this.nextOffsets.has(p)) continue;
      partitions.add(p);
      this.schedule.keys(p).add(o.readerId);
    }
    // Changes left unwritten when the input paused (the interval had not passed at its last
    // batch): written once it has, so the commit does not wait for the idle flush.
    for (const p of this.schedule.duePartitions()) partitions.add(p);
    for (const p of [...partitions].sort((a, b) => a - b)) this.writeChangelog(p, out);
    return out;
  }

  onRevoked(topic: string, partitions: number[]): void {
    if (topic !== this.topics.reads) return;
    this.operator.forgetPartitions(new Set(partitions));
    this.health.forgetPartitions(new Set(partitions));
    // Another worker owns them now and restores their state from the changelog.
    for (const p of partitions) {
      this.nextOffsets.delete(p);
      this.schedule.forget(p);
    }
    this.changes?.forget((readerId) => this.operator.reader(readerId) !== undefined, partitions);
  }

  /** What changed of the partition's readers, then its progress: one segment, applied whole. */
  private writeChangelog(partition: number, out: OutputRecord[]): void {
    const nextOffset = this.nextOffsets.get(partition) ?? 0;
    this.changes!.write(
      partition,
      this.schedule.keys(partition),
      (readerId) => this.operator.reader(readerId),
      nextOffset,
      out,
    );
    this.schedule.written(partition, nextOffset);
  }

  private restore(partition: number, records: Array<{ key: string; value: Buffer | null }>): void {
    this.operator.forgetPartitions(new Set([partition]));
    this.changes!.forget((readerId) => this.operator.reader(readerId) !== undefined, [partition]);
    const restored = this.changes!.restore(partition, records, this.clock.nowUs());
    for (const { key, reason } of restored.bad)
      this.log.warn({ partition, key, reason }, 'unreadable changelog entry skipped');
    this.nextOffsets.set(partition, restored.nextOffset);
    this.schedule.restored(partition, restored.nextOffset, false);
    for (const [readerId, reader] of restored.readers) this.operator.restoreReader(readerId, reader);
    this.log.info(
      {
        partition,
        readers: restored.readers.size,
        nextOffset: restored.nextOffset,
        bad: restored.bad.length,
      },
      'dedup state restored',
    );
  }

  private handleStatus(messages: KafkaMessage[]): OutputRecord[] {
    const out: OutputRecord[] = [];
    for (const message of messages) {
      const status = decodeRecord(ReaderStatus, 'ReaderStatus', message.value);
      if (!status.ok) {
        out.push(this.reject(message, status.code, status.reason));
        continue;
      }
      const { site, readerId, state, detail } = status.value;
      // A last will carries no time of its own: the broker's record time stands in.
      const atUs = status.value.atUs ?? Number(message.timestamp) * 1000;
      for (const alert of this.health.onStatus(site, readerId, state, atUs, detail))
        out.push(this.alertRecord(alert));
    }
    return out;
  }

  private alertRecord(alert: Alert): OutputRecord {
    return { topic: this.topics.alerts, key: alert.readerId ?? alert.kind, value: JSON.stringify(alert) };
  }

  private toRecord(obs: Observation): OutputRecord {
    // JSON.stringify, not a hand-written template: the template's string is built of pieces, and
    // writing it into the packed record's bytes flattens it first, which cost more than the
    // template saved (dedup at 50k-read density: 4.6–5.4 against 5.3–8.1 CPU µs per read with
    // fetches of 10 batches a partition, alternating runs of 2026-11-27 22:20).
    return { topic: this.topics.observations, key: obs.epc, value: JSON.stringify(obs) };
  }

  private reject(message: KafkaMessage, code: string, reason: string): OutputRecord {
    const readerId = message.key?.toString('utf8');
    this.log.warn({ readerId, offset: message.offset, code, reason }, 'record refused');
    return deadLetterRecord(this.topics.dlq, {
      stage: 'dedup',
      code,
      reason,
      payload: message.value,
      atUs: this.clock.nowUs(),
      readerId: message.key?.toString('utf8'),
    });
  }
}
