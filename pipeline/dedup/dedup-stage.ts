import type { KafkaMessage } from 'kafkajs';
import type { Clock } from '../../runtime/clock.js';
import { MemoryStateStore } from '../../runtime/state-store.js';
import { ReadBatch, type KafkaTopics, type Observation } from '../../schemas/index.js';
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

  constructor(
    private readonly topics: KafkaTopics,
    readonly groupId: string,
    site: SiteIndex | undefined,
    private readonly clock: Clock,
    options: DedupOptions = {},
  ) {
    this.inputs = [topics.reads];
    this.operator = new DedupOperator(site, clock, new MemoryStateStore<ReaderWindows>(), options);
  }

  handleBatch(_topic: string, partition: number, messages: KafkaMessage[]): OutputRecord[] {
    const out: OutputRecord[] = [];
    for (const message of messages) {
      const batch = decodeRecord(ReadBatch, 'ReadBatch', message.value);
      if (!batch.ok) {
        out.push(this.reject(message, batch.code, batch.reason));
        continue;
      }
      for (const obs of this.operator.ingest(batch.value, { partition, offset: Number(message.offset) })) {
        out.push(this.toRecord(obs));
      }
    }
    return out;
  }

  retainedOffset(_topic: string, partition: number): number | undefined {
    return this.operator.retainedOffset(partition);
  }

  tick(): OutputRecord[] {
    return this.operator.tick().map((o) => this.toRecord(o));
  }

  onRevoked(_topic: string, partitions: number[]): void {
    this.operator.forgetPartitions(new Set(partitions));
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
