import type { KafkaMessage } from 'kafkajs';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { MemoryStateStore } from '../../runtime/state-store.js';
import {
  ReadBatch,
  ReaderStatus,
  type Alert,
  type KafkaTopics,
  type Observation,
} from '../../schemas/index.js';
import { ReaderHealth, type ReaderHealthOptions } from '../rules/reader-health.js';
import { deadLetterRecord } from '../runtime/dead-letters.js';
import { decodeRecord } from '../runtime/decode-record.js';
import type { OutputRecord, Stage, StageChangelog } from '../runtime/stage.js';
import type { SiteIndex } from '../site/site-index.js';
import { DedupOperator, type DedupOptions, type ReaderWindows } from './dedup-operator.js';
import {
  DEDUP_META_KEY,
  decodeDedupMeta,
  decodeReader,
  encodeDedupMeta,
  encodeReader,
} from './dedup-state.js';

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
  readonly operator: DedupOperator;
  /** READER_DOWN: readers are keyed by reader here, so their health is watched where their reads land. */
  readonly health: ReaderHealth;
  private readonly log: Logger;
  readonly changelog: StageChangelog | undefined;
  /** Per raw-reads partition, input offsets below this are in the state (restored from the changelog). */
  private readonly nextOffsets = new Map<number, number>();
  /** Records skipped because the restored state already held them. */
  skippedReplays = 0;

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
    this.operator = new DedupOperator(site, clock, new MemoryStateStore<ReaderWindows>(), options);
    this.health = new ReaderHealth(clock, options.readerHealth);
    const stateTopic = options.stateTopic;
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
    const touched = new Set<string>();
    const nextOffset = this.nextOffsets.get(partition) ?? 0;
    let applied = false;
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < nextOffset) {
        this.skippedReplays++;
        continue;
      }
      this.nextOffsets.set(partition, offset + 1);
      applied = true;
      const batch = decodeRecord(ReadBatch, 'ReadBatch', message.value);
      if (!batch.ok) {
        out.push(this.reject(message, batch.code, batch.reason));
        continue;
      }
      const newestReadUs = batch.value.reads.reduce((max, r) => Math.max(max, r.seenAtUs), 0);
      this.health.onBatch(batch.value.site, batch.value.readerId, partition, newestReadUs);
      touched.add(batch.value.readerId);
      for (const obs of this.operator.ingest(batch.value, { partition, offset: Number(message.offset) })) {
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
    }
    if (this.changelog && applied) this.writeChangelog(partition, touched, out);
    return out;
  }

  retainedOffset(topic: string, partition: number): number | undefined {
    return topic === this.topics.reads ? this.operator.retainedOffset(partition) : undefined;
  }

  tick(): OutputRecord[] {
    const flushed = this.operator.tick();
    const out = [
      ...flushed.map((o) => this.toRecord(o)),
      ...this.health.tick().map((a) => this.alertRecord(a)),
    ];
    if (this.changelog && flushed.length > 0) {
      // The flushed windows are gone from state: the changelog must say so too.
      const byPartition = new Map<number, Set<string>>();
      for (const o of flushed) {
        const p = this.operator.reader(o.readerId)?.partition;
        if (p === undefined || !this.nextOffsets.has(p)) continue;
        let readers = byPartition.get(p);
        if (!readers) byPartition.set(p, (readers = new Set()));
        readers.add(o.readerId);
      }
      for (const [p, readers] of byPartition) this.writeChangelog(p, readers, out);
    }
    return out;
  }

  onRevoked(topic: string, partitions: number[]): void {
    if (topic !== this.topics.reads) return;
    this.operator.forgetPartitions(new Set(partitions));
    this.health.forgetPartitions(new Set(partitions));
    // Another worker owns them now and restores their state from the changelog.
    for (const p of partitions) this.nextOffsets.delete(p);
  }

  /** The touched readers' state, then the partition's progress: one segment, applied whole. */
  private writeChangelog(partition: number, readers: ReadonlySet<string>, out: OutputRecord[]): void {
    const topic = this.changelog!.topic;
    for (const readerId of [...readers].sort()) {
      const reader = this.operator.reader(readerId);
      if (reader?.partition !== partition) continue;
      out.push({ topic, key: readerId, value: encodeReader(reader), partition });
    }
    const nextOffset = this.nextOffsets.get(partition) ?? 0;
    out.push({ topic, key: DEDUP_META_KEY, partition, segmentEnd: true, value: encodeDedupMeta(nextOffset) });
  }

  private restore(partition: number, records: Array<{ key: string; value: Buffer | null }>): void {
    this.operator.forgetPartitions(new Set([partition]));
    this.nextOffsets.set(partition, 0);
    const readers = new Map<string, ReaderWindows>();
    let bad = 0;
    for (const { key, value } of records) {
      try {
        if (key === DEDUP_META_KEY) {
          if (value) this.nextOffsets.set(partition, decodeDedupMeta(value.toString('utf8')));
        } else if (!value) readers.delete(key);
        else readers.set(key, decodeReader(value.toString('utf8'), partition, this.clock.nowUs()));
      } catch (err) {
        bad++;
        this.log.warn({ partition, key, err: describeError(err) }, 'unreadable changelog entry skipped');
      }
    }
    for (const [readerId, reader] of readers) this.operator.restoreReader(readerId, reader);
    this.log.info(
      { partition, readers: readers.size, nextOffset: this.nextOffsets.get(partition), bad },
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
