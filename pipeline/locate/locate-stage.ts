import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { StateStore } from '../../runtime/state-store.js';
import {
  CustomsStatus,
  type Observation,
  type Alert,
  type KafkaTopics,
  type ZoneEvent,
} from '../../schemas/index.js';
import { CustomsTable } from '../rules/customs-table.js';
import { PalletTimers, type PalletTimerState } from '../rules/pallet-timers.js';
import { ZoneRules } from '../rules/zone-rules.js';
import { ChangelogSchedule } from '../runtime/changelog-schedule.js';
import { deadLetterRecord } from '../runtime/dead-letters.js';
import { decodeObservations } from '../runtime/decode-record.js';
import type { OutputRecord, Stage, StageChangelog } from '../runtime/stage.js';
import type { SiteIndex } from '../site/site-index.js';
import { LocateOperator, type LocateOptions, type PalletState } from './locate-operator.js';
import {
  decodeMeta,
  decodePallet,
  encodeMeta,
  encodePallet,
  META_KEY,
  type SeenStore,
} from './locate-state.js';
import { PalletColumns } from './pallet-columns.js';

export interface LocateStageOptions extends LocateOptions {
  /** EPCs the site expects; a tag outside it in the bonded area raises UNKNOWN_TAG. */
  manifest?: ReadonlySet<string>;
  /** Resolves an SSCC in a customs message to its EPC. */
  ssccToEpc?: ReadonlyMap<string, string>;
  /**
   * Compacted changelog topic of the per-pallet state (`{prefix}.locate-state.v1`, same partition
   * count as observations). Without it state lives in memory only.
   */
  stateTopic?: string;
  /**
   * Processing time between changelog writes of a partition (sooner once `SEGMENT_PALLETS` pallets
   * changed). Default 1 s; 0 writes after every fetched batch, as before. Offsets are committed no
   * further than the last write (`retainedOffset`), so a restart restores an older state and
   * replays a little more (the same ids again), never less. Written per batch, a pallet read ~6
   * times a second was encoded and produced again with every fetch: nearly one changelog record per
   * input record under load (bench profile).
   */
  changelogIntervalUs?: number;
}

/**
 * Pallet entries per changelog segment: a few hundred bytes each (a few KB at most), so a segment
 * stays under a few MB, well within the changelog topic's `max.message.bytes` (16 MiB).
 */
const SEGMENT_PALLETS = 1_000;

/** Everything locate and the timers hold for one input partition: restored and dropped together. */
interface PartitionState {
  operator: LocateOperator;
  pallets: StateStore<PalletState>;
  timers: PalletTimers;
  timerStates: StateStore<PalletTimerState>;
  /** Per EPC, the newest window end applied per reader/antenna (first reads apart): a replayed one is skipped. */
  seen: SeenStore;
  /** Input offsets below this were applied to the state (it came from the changelog). */
  nextOffset: number;
}

/**
 * The locate + rules stage: observations (keyed by EPC) in, zone events and alerts out. Customs
 * status is read by every worker in full (a global table) from the customs topic.
 *
 * State is kept per input partition (pallet evidence, timers, learned antenna levels, event-time
 * watermark), so what a partition emits depends only on that partition's records, whichever worker
 * holds it. With a `stateTopic`, the entries changed since the last write go to the changelog at
 * most once per `changelogIntervalUs` per partition, after the outputs they depend on; offsets are
 * committed no further than the last write; a worker that gains a partition reads its changelog first.
 */
export class LocateStage implements Stage {
  readonly name = 'locate';
  readonly inputs: string[];
  readonly customs = new CustomsTable();
  readonly changelog: StageChangelog | undefined;
  private readonly rules: ZoneRules;
  private readonly partitions = new Map<number, PartitionState>();
  private customsConsumer: Consumer | undefined;
  /** Observations skipped because the restored state already held them. */
  skippedReplays = 0;
  /** Per input partition: the pallets changed since its last changelog write, and when the next is due. */
  private readonly schedule: ChangelogSchedule;

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
    this.rules = new ZoneRules(site, this.customs, options.manifest);
    this.schedule = new ChangelogSchedule(clock, options.changelogIntervalUs ?? 1_000_000);
    const stateTopic = options.stateTopic;
    this.changelog = stateTopic
      ? {
          topic: stateTopic,
          input: topics.observations,
          restore: (partition, records) => this.restore(partition, records),
        }
      : undefined;
  }

  /** Pallets tracked over all partitions this worker holds. */
  get palletCount(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.pallets.size;
    return n;
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
    const state = this.partitionState(partition);
    // State that starts empty here holds nothing from before this batch.
    this.schedule.startAt(partition, Math.max(state.nextOffset, Number(messages[0]?.offset ?? 0)));
    const touched = this.schedule.keys(partition);
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < state.nextOffset) {
        this.skippedReplays++;
        continue;
      }
      state.nextOffset = offset + 1;
      this.schedule.note(partition);
      // Dedup packs a flush's observations per partition (pipeline/runtime/packed-records.ts).
      for (const observation of decodeObservations(message.value)) {
        if (!observation.ok) {
          out.push(this.reject(observation.code, observation.reason, observation.payload));
          continue;
        }
        const obs = observation.value;
        // Dedup replays its open windows after a crash: the same observation may come twice.
        if (this.isReplayed(state, obs, state.operator.isFirstRead(obs))) continue;
        touched.add(obs.epc);
        state.timers.seen(obs.epc, obs.site, partition, obs.lastSeenUs);
        for (const event of state.operator.ingest(obs)) this.emit(state, event, out);
        // DWELL_EXCEEDED and MISSING: event-time timers this partition's watermark has now passed.
        // Fired per observation (not per record or fetched batch), so that how dedup packed them
        // does not change the output.
        for (const alert of state.timers.fire()) {
          if (alert.epc) touched.add(alert.epc);
          out.push(this.alertRecord(alert));
        }
      }
      // A segment of the changelog is bounded (the broker's request limit) and consistent on its
      // own: the entries as of this record (all of its observations), then the partition's
      // progress up to it.
      if (this.changelog && touched.size >= SEGMENT_PALLETS) this.writeChangelog(partition, state, out);
    }
    if (this.changelog && this.schedule.due(partition)) this.writeChangelog(partition, state, out);
    return out;
  }

  /** With a changelog: no input past its last write is committed. */
  retainedOffset(topic: string, partition: number): number | undefined {
    if (!this.changelog || topic !== this.topics.observations) return undefined;
    return this.schedule.coveredOffset(partition);
  }

  /** Partitions whose input paused with changes unwritten: written once their interval has passed. */
  tick(): OutputRecord[] {
    const out: OutputRecord[] = [];
    if (!this.changelog) return out;
    for (const partition of this.schedule.duePartitions()) {
      const state = this.partitions.get(partition);
      if (state) this.writeChangelog(partition, state, out);
    }
    return out;
  }

  onRevoked(_topic: string, partitions: number[]): void {
    // Another worker owns them now and restores their state from the changelog.
    for (const p of partitions) this.forget(p);
  }

  private forget(partition: number): void {
    this.partitions.delete(partition);
    this.schedule.forget(partition);
  }

  private partitionState(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) {
      // Both operators' state of a pallet in one slot of typed-array columns (docs/pipeline.md, "State size").
      const columns = new PalletColumns();
      const pallets = columns.locate;
      const timerStates = columns.timers;
      const seen = columns.seen;
      state = {
        operator: new LocateOperator(this.site, pallets, this.options),
        pallets,
        timers: new PalletTimers(this.site, timerStates),
        timerStates,
        seen,
        nextOffset: 0,
      };
      this.partitions.set(partition, state);
    }
    return state;
  }

  private isReplayed(state: PartitionState, obs: Observation, firstRead: boolean): boolean {
    // First reads and summaries apart: a window's summary arrives after the next window's first read.
    const key = `${obs.readerId}\u0000${obs.antenna}${firstRead ? '\u0000f' : ''}`;
    return !state.seen.advance(obs.epc, key, obs.lastSeenUs);
  }

  /** The partition's changed pallets, then its progress: one segment, applied whole. */
  private writeChangelog(partition: number, state: PartitionState, out: OutputRecord[]): void {
    const touched = this.schedule.keys(partition);
    const topic = this.changelog!.topic;
    for (const epc of [...touched].sort()) {
      const value = encodePallet(state.pallets.get(epc), state.timerStates.get(epc), state.seen.get(epc));
      if (value === undefined) {
        state.seen.delete(epc);
        out.push({ topic, key: epc, value: '', tombstone: true, partition });
      } else out.push({ topic, key: epc, value, partition });
    }
    out.push({
      topic,
      key: META_KEY,
      partition,
      segmentEnd: true,
      value: encodeMeta({
        nextOffset: state.nextOffset,
        ...state.timers.progress,
        levels: state.operator.levels.snapshot(),
        own: state.operator.levels.ownSnapshot(),
        cross: state.operator.levels.crossSnapshot(),
      }),
    });
    this.schedule.written(partition, state.nextOffset);
  }

  private restore(partition: number, records: Array<{ key: string; value: Buffer | null }>): void {
    this.forget(partition);
    const state = this.partitionState(partition);
    let bad = 0;
    for (const { key, value } of records) {
      try {
        if (key === META_KEY) {
          if (!value) continue;
          const meta = decodeMeta(value.toString('utf8'));
          state.nextOffset = meta.nextOffset;
          state.timers.progress = { watermarkUs: meta.watermarkUs, lastScanUs: meta.lastScanUs };
          state.operator.levels.load(meta.levels);
          state.operator.levels.loadOwn(meta.own ?? []);
          state.operator.levels.loadCross(meta.cross ?? []);
          continue;
        }
        if (!value) {
          state.pallets.delete(key);
          state.timerStates.delete(key);
          state.seen.delete(key);
          continue;
        }
        const entry = decodePallet(value.toString('utf8'));
        if (entry.locate) state.pallets.set(key, entry.locate);
        else state.pallets.delete(key);
        if (entry.timers) state.timerStates.set(key, entry.timers);
        else state.timerStates.delete(key);
        if (entry.seen) state.seen.set(key, entry.seen);
        else state.seen.delete(key);
      } catch (err) {
        bad++;
        this.log.warn({ partition, key, err: describeError(err) }, 'unreadable changelog entry skipped');
      }
    }
    // The first batch after a restore writes at once: the new owner's progress is on record from
    // its first batch, as it was before the interval.
    this.schedule.restored(partition, state.nextOffset, true);
    this.log.info(
      { partition, pallets: state.pallets.size, nextOffset: state.nextOffset, bad },
      'locate state restored',
    );
  }

  private emit(state: PartitionState, event: ZoneEvent, out: OutputRecord[]): void {
    out.push({ topic: this.topics.events, key: event.epc, value: JSON.stringify(event) });
    state.timers.onEvent(event);
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

  private reject(code: string, reason: string, payload: Buffer | string | null): OutputRecord {
    return deadLetterRecord(this.topics.dlq, {
      stage: 'locate',
      code,
      reason,
      payload,
      atUs: this.clock.nowUs(),
    });
  }
}
