import { randomBytes } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import mqtt, { type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { batchesForwardedTotal, readsInTotal, replaysDroppedTotal } from '../../runtime/metrics.js';
import { createStageProducer } from '../runtime/producer.js';
import {
  DeadLetter,
  ReadBatch,
  ReaderStatus,
  mqttTopics,
  parseMqttTopic,
  toSchemaError,
  type KafkaTopics,
} from '../../schemas/index.js';
import { deadLetterRecord } from '../runtime/dead-letters.js';
import { isPlainReadBatch } from '../runtime/decode-record.js';
import type { OutputRecord } from '../runtime/stage.js';
import { BatchSequence, readerGapAlert } from './batch-sequence.js';
import { GroupSender, type SendRecord } from './group-sender.js';
import { RecentIds } from './recent-ids.js';
import { mqttClientOptions } from '../../runtime/mqtt-client-options.js';

export interface BridgeOptions {
  mqttUrl: string;
  /**
   * Shared-subscription group: bridges in one group split the messages between them. `null`
   * subscribes plainly, for brokers without shared subscriptions (then run one bridge connection).
   */
  shareGroup?: string | null;
  /** Site to bridge, or `+` for all. Default `+`. */
  site?: string;
  /**
   * Parallel MQTT connections in the share group. Each acknowledges its messages in order, one at a
   * time after Kafka has it; their messages share Kafka sends (group commit), so the bridge forwards
   * at most `connections` messages per Kafka round trip. Default 32.
   */
  connections?: number;
  /** Client id prefix; a stable id keeps the broker-side session (and its queued messages) across restarts. */
  clientIdPrefix?: string;
  /** Forwarded batch ids remembered to drop replays. Default 200 000. */
  recentBatchIds?: number;
  /** Largest payload accepted, in bytes; larger ones go to the dead-letter topic. Default 4 MiB. */
  maxPayloadBytes?: number;
  /**
   * A batch sent (`sentAtUs`, the adapter host's clock) further ahead of the bridge's clock than this
   * is refused (BT_BRIDGE_SENT_IN_FUTURE): a host clock that far off makes every time in it
   * suspect. Default 5 min.
   */
  maxAheadUs?: number;
  /**
   * A batch sent longer ago than this is refused (BT_BRIDGE_SENT_TOO_LONG_AGO): older than any
   * outage a disk queue rides out, it is a host clock set back (or reset to its epoch). Default 30 days.
   */
  maxAgeUs?: number;
  /**
   * How long a hole in a reader's batch `seq` may stay open (late batches: disk-queue replays, other
   * connections) before its batches count as lost and a READER_GAP alert is produced. Default 60 s.
   * Gaps are only meaningful when this bridge sees every batch: with several bridge processes in one
   * share group each sees a share of them, so set `detectSequenceGaps: false` there
   * (`bondtrack pipeline --no-sequence-gaps`).
   */
  sequenceGapGraceMs?: number;
  /** Detect batch sequence gaps (see `sequenceGapGraceMs`). Default true. */
  detectSequenceGaps?: boolean;
}

export interface BridgeStats {
  batchesIn: number;
  batchesForwarded: number;
  replaysDropped: number;
  deadLetters: number;
  statusForwarded: number;
  /** Holes in batch sequences reported as lost, and the batches in them. */
  sequenceGaps: number;
  batchesMissing: number;
  /** A reader's adapter or reader restarted (a new boot in its batch ids). */
  readerResets: number;
}

/**
 * MQTT → Kafka. Each QoS 1 message is acknowledged to the broker only after Kafka has it (acks=all),
 * so a crash loses nothing: the broker redelivers, and a batch id seen before is dropped.
 */
export class Bridge {
  readonly stats: BridgeStats = {
    batchesIn: 0,
    batchesForwarded: 0,
    replaysDropped: 0,
    deadLetters: 0,
    statusForwarded: 0,
    sequenceGaps: 0,
    batchesMissing: 0,
    readerResets: 0,
  };
  private readonly clients: MqttClient[] = [];
  private producer: Producer | undefined;
  private sender: GroupSender | undefined;
  private readonly recent: RecentIds;
  private readonly sequence: BatchSequence;
  private gapTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: KafkaTopics,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: BridgeOptions,
  ) {
    this.recent = new RecentIds(options.recentBatchIds ?? 200_000);
    this.sequence = new BatchSequence({ graceUs: (options.sequenceGapGraceMs ?? 60_000) * 1000 });
  }

  async start(): Promise<void> {
    const producer = createStageProducer(this.kafka);
    await producer.connect();
    this.producer = producer;
    this.sender = new GroupSender(producer);
    const group = this.options.shareGroup === undefined ? 'bondtrack-bridge' : this.options.shareGroup;
    const site = this.options.site ?? '+';
    const prefix = this.options.clientIdPrefix ?? `bondtrack-bridge-${randomBytes(4).toString('hex')}`;
    const filters = [mqttTopics.allReads(site), mqttTopics.allStatus(site), mqttTopics.allDeadLetters(site)];
    for (let i = 0; i < (this.options.connections ?? 32); i++) {
      const client = mqtt.connect(
        this.options.mqttUrl,
        mqttClientOptions({
          clientId: `${prefix}-${i}`,
          clean: false,
          reconnectPeriod: 1_000,
          connectTimeout: 10_000,
        }),
      );
      client.handleMessage = (packet, done) => {
        // mqtt-packet hands a Buffer of its own for each message: used as it is, not copied.
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
        this.forward(packet.topic, payload, packet.retain).then(
          () => done(),
          (err: unknown) => {
            // Not acknowledged: the broker will deliver it again after we reconnect.
            this.log.error(
              {
                err: describeError(err),
                topic: packet.topic,
                readerId: parseMqttTopic(packet.topic)?.readerId,
              },
              'forward to Kafka failed',
            );
            client.end(true, {}, () => client.reconnect());
          },
        );
      };
      client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
      this.clients.push(client);
      // Status is retained and must reach every bridge; reads and dead letters are shared.
      const subscriptions = filters.map((f) =>
        f.endsWith('/status') || group === null ? f : `$share/${group}/${f}`,
      );
      // Subscribe on EVERY connect, even when the broker says "session present": Mosquitto 2.0
      // restores a persistent session after a restart but not its shared subscriptions, so trusting
      // the session flag leaves the bridge connected and deaf (found by the fault suite). A repeated
      // SUBSCRIBE of the same filters is harmless (MQTT 3.1.1 §3.8.4: it replaces the existing one).
      // `resubscribe: true`, or mqtt.js skips filters it already holds and sends no SUBSCRIBE at all.
      const subscribe = (): Promise<unknown> =>
        // mqtt.js's type cannot express its own `resubscribe` key next to the topic map (and deletes it).
        client.subscribeAsync({
          ...Object.fromEntries(subscriptions.map((f) => [f, { qos: 1 }])),
          resubscribe: true,
        } as unknown as ISubscriptionMap);
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      await subscribe();
      client.on('connect', () => {
        subscribe().catch((err: unknown) =>
          this.log.error({ err: describeError(err) }, 'resubscribe after reconnect failed'),
        );
      });
    }
    if (this.options.detectSequenceGaps !== false) {
      const graceMs = this.options.sequenceGapGraceMs ?? 60_000;
      this.gapTimer = setInterval(() => this.reportGaps(), Math.max(100, Math.min(5_000, graceMs / 4)));
      this.gapTimer.unref();
    }
    this.log.info({ mqtt: this.options.mqttUrl, group, connections: this.clients.length }, 'bridge started');
  }

  /** The MQTT connections (for the connected gauge and readiness). */
  connections(): readonly MqttClient[] {
    return this.clients;
  }

  async stop(): Promise<void> {
    clearInterval(this.gapTimer);
    await Promise.all(this.clients.map((c) => c.endAsync()));
    await this.producer?.disconnect();
    this.log.info(this.stats, 'bridge stopped');
  }

  private async forward(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    const where = parseMqttTopic(topic);
    if (!where) return;
    const record = this.toRecord(where, payload, retained);
    if (!record) return;
    await this.sender!.send(record);
    // Remembered only once Kafka has it: a failed send must not turn the redelivery into a "replay".
    if (record.batchId !== undefined) {
      this.recent.add(record.batchId);
      this.stats.batchesForwarded++;
      batchesForwardedTotal.inc();
      readsInTotal.inc({ stage: 'bridge', reader: record.readerId ?? '' }, record.reads ?? 0);
    }
  }

  /** The Kafka record for one MQTT message, or undefined for a replay to drop. */
  private toRecord(
    where: { site: string; readerId: string; kind: string },
    payload: Buffer,
    retained: boolean,
  ): (SendRecord & { batchId?: string; readerId?: string; reads?: number }) | undefined {
    const max = this.options.maxPayloadBytes ?? 4 * 1024 * 1024;
    if (payload.length > max)
      return this.reject(
        where,
        payload,
        'BT_BRIDGE_TOO_LARGE',
        `payload of ${payload.length} bytes exceeds the limit of ${max}`,
      );
    let value: unknown;
    const text = payload.toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (err) {
      return this.reject(where, payload, 'BT_BRIDGE_NOT_JSON', `not JSON: ${describeError(err)}`);
    }
    if (where.kind === 'reads') {
      this.stats.batchesIn++;
      // The usual batch passes the hand-written check dedup uses (the schema's parse was a quarter
      // of the bridge's CPU, bench profile 2026-11-27); anything else gets the schema's verdict.
      const parsed = isPlainReadBatch(value)
        ? { success: true as const, data: value as ReadBatch }
        : ReadBatch.safeParse(value);
      if (!parsed.success)
        return this.reject(
          where,
          payload,
          'BT_SCHEMA_INVALID',
          toSchemaError('ReadBatch', parsed.error).message,
        );
      const batch = parsed.data;
      if (batch.site !== where.site || batch.readerId !== where.readerId) {
        return this.reject(
          where,
          payload,
          'BT_BRIDGE_TOPIC_MISMATCH',
          `batch of ${batch.site}/${batch.readerId} published on the topic of ${where.site}/${where.readerId}`,
        );
      }
      const sentError = this.checkSentAt(batch.sentAtUs);
      if (sentError) return this.reject(where, payload, sentError.code, sentError.reason);
      if (this.recent.has(batch.batchId)) {
        this.stats.replaysDropped++;
        replaysDroppedTotal.inc();
        return undefined;
      }
      if (this.options.detectSequenceGaps !== false) this.checkSequence(batch);
      return {
        topic: this.topics.reads,
        key: batch.readerId,
        // The bytes as they came: the text they decode to is what was checked.
        value: payload,
        batchId: batch.batchId,
        readerId: batch.readerId,
        reads: batch.reads.length,
      };
    }
    if (where.kind === 'status') {
      if (retained && payload.length === 0) return undefined; // a cleared retained status
      const parsed = ReaderStatus.safeParse(value);
      if (!parsed.success)
        return this.reject(
          where,
          payload,
          'BT_SCHEMA_INVALID',
          toSchemaError('ReaderStatus', parsed.error).message,
        );
      this.stats.statusForwarded++;
      // A last will carries no time: stamp it with when the bridge saw it.
      const status = { ...parsed.data, atUs: parsed.data.atUs ?? this.clock.nowUs() };
      return { topic: this.topics.readerStatus, key: status.readerId, value: JSON.stringify(status) };
    }
    if (where.kind === 'dead-letters') {
      const parsed = DeadLetter.safeParse(value);
      if (!parsed.success)
        return this.reject(
          where,
          payload,
          'BT_SCHEMA_INVALID',
          toSchemaError('DeadLetter', parsed.error).message,
        );
      this.stats.deadLetters++;
      return { topic: this.topics.dlq, key: where.readerId, value: JSON.stringify(parsed.data) };
    }
    return undefined;
  }

  private checkSequence(batch: ReadBatch): void {
    const check = this.sequence.observe(batch, this.clock.nowUs());
    if (check.kind !== 'reset') return;
    this.stats.readerResets++;
    this.log.info(
      {
        site: batch.site,
        readerId: batch.readerId,
        batchId: batch.batchId,
        previousBoot: check.previousBootKey,
      },
      'reader restarted: new batch sequence',
    );
  }

  /** Holes past their grace: counted, logged with the missing range, and sent on as READER_GAP alerts. */
  private reportGaps(): void {
    for (const gap of this.sequence.expire(this.clock.nowUs())) {
      this.stats.sequenceGaps++;
      this.stats.batchesMissing += gap.missing;
      this.log.warn(
        { site: gap.site, readerId: gap.readerId, boot: gap.bootKey, fromSeq: gap.fromSeq, toSeq: gap.toSeq },
        `${gap.missing} batch(es) of reader ${gap.readerId} never arrived (seq ${gap.fromSeq}..${gap.toSeq})`,
      );
      const alert = readerGapAlert(gap);
      // Best effort: the gap is already counted and logged; the alert is lost only if Kafka is down.
      this.sender!.send({ topic: this.topics.alerts, key: gap.readerId, value: JSON.stringify(alert) }).catch(
        (err: unknown) =>
          this.log.error({ err: describeError(err), alertId: alert.id }, 'READER_GAP alert not sent'),
      );
    }
  }

  /** A batch's send time against the bridge's clock: processing time, so it is checked here, at ingress, and never on replay. */
  private checkSentAt(sentAtUs: number): { code: string; reason: string } | undefined {
    const nowUs = this.clock.nowUs();
    const maxAheadUs = this.options.maxAheadUs ?? 300_000_000;
    const maxAgeUs = this.options.maxAgeUs ?? 30 * 86_400_000_000;
    if (sentAtUs - nowUs > maxAheadUs)
      return {
        code: 'BT_BRIDGE_SENT_IN_FUTURE',
        reason: `batch sent ${Math.round((sentAtUs - nowUs) / 1e6)} s after the bridge's clock (limit ${maxAheadUs / 1e6} s): adapter host clock ahead`,
      };
    if (nowUs - sentAtUs > maxAgeUs)
      return {
        code: 'BT_BRIDGE_SENT_TOO_LONG_AGO',
        reason: `batch sent ${Math.round((nowUs - sentAtUs) / 86_400e6)} days before the bridge's clock (limit ${maxAgeUs / 86_400e6} days): adapter host clock behind`,
      };
    return undefined;
  }

  private reject(
    where: { site: string; readerId: string },
    payload: Buffer,
    code: string,
    reason: string,
  ): OutputRecord {
    this.stats.deadLetters++;
    this.log.warn({ site: where.site, readerId: where.readerId, code, reason }, 'message refused');
    return deadLetterRecord(this.topics.dlq, {
      stage: 'bridge',
      code,
      reason,
      payload,
      atUs: this.clock.nowUs(),
      site: where.site,
      readerId: where.readerId,
    });
  }
}
