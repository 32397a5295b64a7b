import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { MemoryStateStore } from '../../runtime/state-store.js';
import {
  CustomsStatus,
  Observation,
  type Alert,
  type KafkaTopics,
  type ZoneEvent,
} from '../../schemas/index.js';
import { CustomsTable } from '../rules/customs-table.js';
import { PalletTimers, type PalletTimerState } from '../rules/pallet-timers.js';
import { ZoneRules } from '../rules/zone-rules.js';
import { deadLetterRecord } from '../runtime/dead-letters.js';
import { decodeRecord } from '../runtime/decode-record.js';
import type { OutputRecord, Stage } from '../runtime/stage.js';
import type { SiteIndex } from '../site/site-index.js';
import { LocateOperator, type LocateOptions, type PalletState } from './locate-operator.js';

export interface LocateStageOptions extends LocateOptions {
  /** EPCs the site expects; a tag outside it in the bonded area raises UNKNOWN_TAG. */
  manifest?: ReadonlySet<string>;
  /** Resolves an SSCC in a customs message to its EPC. */
  ssccToEpc?: ReadonlyMap<string, string>;
}

/**
 * The locate + rules stage: observations (keyed by EPC) in, zone events and alerts out. Customs
 * status is read by every worker in full (a global table) from the customs topic.
 */
export class LocateStage implements Stage {
  readonly name = 'locate';
  readonly inputs: string[];
  readonly operator: LocateOperator;
  readonly customs = new CustomsTable();
  private readonly rules: ZoneRules;
  readonly timers: PalletTimers;
  private customsConsumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: KafkaTopics,
    readonly groupId: string,
    private readonly site: SiteIndex,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: LocateStageOptions = {},
  ) {
    this.inputs = [topics.observations];
    this.operator = new LocateOperator(site, new MemoryStateStore<PalletState>(), options);
    this.rules = new ZoneRules(site, this.customs, options.manifest);
    this.timers = new PalletTimers(site, new MemoryStateStore<PalletTimerState>());
  }

  async start(): Promise<void> {
    // A group of its own per process: every worker needs every customs status (a global table).
    const consumer = this.kafka.consumer({
      groupId: `${this.groupId}-customs-${randomBytes(6).toString('hex')}`,
      maxWaitTimeInMs: 250,
    });
    this.customsConsumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topics.customs], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        this.applyCustoms(message);
        return Promise.resolve();
      },
    });
  }

  async stop(): Promise<void> {
    await this.customsConsumer?.disconnect();
  }

  handleBatch(_topic: string, partition: number, messages: KafkaMessage[]): OutputRecord[] {
    const out: OutputRecord[] = [];
    for (const message of messages) {
      const observation = decodeRecord(Observation, 'Observation', message.value);
      if (!observation.ok) {
        out.push(this.reject(message, observation.code, observation.reason));
        continue;
      }
      const obs = observation.value;
      this.timers.seen(obs.epc, obs.site, partition, obs.lastSeenUs);
      for (const event of this.operator.ingest(obs)) this.emit(event, out);
    }
    // DWELL_EXCEEDED and MISSING: event-time timers the observations' watermark has now passed.
    for (const alert of this.timers.fire()) out.push(this.alertRecord(alert));
    return out;
  }

  onRevoked(_topic: string, partitions: number[]): void {
    this.timers.forgetPartitions(new Set(partitions));
    // State is per EPC; a later issue restores it from a changelog. Until then a moved partition
    // starts fresh, which can re-announce a pallet's current zone as ARRIVED.
  }

  private emit(event: ZoneEvent, out: OutputRecord[]): void {
    out.push({ topic: this.topics.events, key: event.epc, value: JSON.stringify(event) });
    this.timers.onEvent(event);
    for (const alert of this.rules.evaluate(event)) out.push(this.alertRecord(alert));
  }

  private alertRecord(alert: Alert): OutputRecord {
    return {
      topic: this.topics.alerts,
      key: alert.epc ?? alert.readerId ?? alert.kind,
      value: JSON.stringify(alert),
    };
  }

  private applyCustoms(message: KafkaMessage): void {
    try {
      const status = CustomsStatus.parse(JSON.parse(message.value?.toString('utf8') ?? ''));
      const epc = status.epc ?? (status.sscc ? this.options.ssccToEpc?.get(status.sscc) : undefined);
      if (epc) this.customs.apply(status, epc);
      else this.log.warn({ sscc: status.sscc }, 'customs status for an SSCC in no manifest');
    } catch (err) {
      // The sink stores customs messages and dead-letters the bad ones; here we only skip them.
      this.log.warn({ err: describeError(err) }, 'unreadable customs status skipped');
    }
  }

  private reject(message: KafkaMessage, code: string, reason: string): OutputRecord {
    return deadLetterRecord(this.topics.dlq, {
      stage: 'locate',
      code,
      reason,
      payload: message.value,
      atUs: this.clock.nowUs(),
    });
  }
}
