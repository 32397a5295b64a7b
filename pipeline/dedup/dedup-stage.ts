import type { KafkaMessage } from 'kafkajs';
import type { Clock } from '../../runtime/clock.js';
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
import type { OutputRecord, Stage } from '../runtime/stage.js';
import type { SiteIndex } from '../site/site-index.js';
import { DedupOperator, type DedupOptions, type ReaderWindows } from './dedup-operator.js';

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

  constructor(
    private readonly topics: KafkaTopics,
    readonly groupId: string,
    site: SiteIndex | undefined,
    private readonly clock: Clock,
    options: DedupOptions & { readerHealth?: ReaderHealthOptions } = {},
  ) {
    // Reader status has one partition: whichever worker owns it raises the status alerts, once.
    this.inputs = [topics.reads, topics.readerStatus];
    this.operator = new DedupOperator(site, clock, new MemoryStateStore<ReaderWindows>(), options);
    this.health = new ReaderHealth(clock, options.readerHealth);
  }

  handleBatch(topic: string, partition: number, messages: KafkaMessage[]): OutputRecord[] {
    if (topic === this.topics.readerStatus) return this.handleStatus(messages);
    const out: OutputRecord[] = [];
    for (const message of messages) {
      const batch = decodeRecord(ReadBatch, 'ReadBatch', message.value);
      if (!batch.ok) {
        out.push(this.reject(message, batch.code, batch.reason));
        continue;
      }
      const newestReadUs = batch.value.reads.reduce((max, r) => Math.max(max, r.seenAtUs), 0);
      this.health.onBatch(batch.value.site, batch.value.readerId, partition, newestReadUs);
      for (const obs of this.operator.ingest(batch.value, { partition, offset: Number(message.offset) })) {
        out.push(this.toRecord(obs));
      }
      for (const r of this.operator.drainRejected()) {
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
    return out;
  }

  retainedOffset(topic: string, partition: number): number | undefined {
    return topic === this.topics.reads ? this.operator.retainedOffset(partition) : undefined;
  }

  tick(): OutputRecord[] {
    return [
      ...this.operator.tick().map((o) => this.toRecord(o)),
      ...this.health.tick().map((a) => this.alertRecord(a)),
    ];
  }

  onRevoked(topic: string, partitions: number[]): void {
    if (topic !== this.topics.reads) return;
    this.operator.forgetPartitions(new Set(partitions));
    this.health.forgetPartitions(new Set(partitions));
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
