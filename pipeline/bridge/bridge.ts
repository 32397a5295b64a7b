import { randomBytes } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
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
import type { OutputRecord } from '../runtime/stage.js';
import { GroupSender } from './group-sender.js';
import { RecentIds } from './recent-ids.js';

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
   * time after Kafka has it; their messages share Kafka sends (group commit). Default 8.
   */
  connections?: number;
  /** Client id prefix; a stable id keeps the broker-side session (and its queued messages) across restarts. */
  clientIdPrefix?: string;
  /** Forwarded batch ids remembered to drop replays. Default 200 000. */
  recentBatchIds?: number;
  /** Largest payload accepted, in bytes; larger ones go to the dead-letter topic. Default 4 MiB. */
  maxPayloadBytes?: number;
}

export interface BridgeStats {
  batchesIn: number;
  batchesForwarded: number;
  replaysDropped: number;
  deadLetters: number;
  statusForwarded: number;
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
  };
  private readonly clients: MqttClient[] = [];
  private producer: Producer | undefined;
  private sender: GroupSender | undefined;
  private readonly recent: RecentIds;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: KafkaTopics,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: BridgeOptions,
  ) {
    this.recent = new RecentIds(options.recentBatchIds ?? 200_000);
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
    for (let i = 0; i < (this.options.connections ?? 8); i++) {
      const client = mqtt.connect(this.options.mqttUrl, {
        clientId: `${prefix}-${i}`,
        clean: false,
        reconnectPeriod: 1_000,
        connectTimeout: 10_000,
      });
      client.handleMessage = (packet, done) => {
        const payload =
          typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
        this.forward(packet.topic, payload, packet.retain).then(
          () => done(),
          (err: unknown) => {
            // Not acknowledged: the broker will deliver it again after we reconnect.
            this.log.error({ err: describeError(err), topic: packet.topic }, 'forward to Kafka failed');
            client.end(true, {}, () => client.reconnect());
          },
        );
      };
      client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
      this.clients.push(client);
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      // Status is retained and must reach every bridge; reads and dead letters are shared.
      await client.subscribeAsync(
        filters.map((f) => (f.endsWith('/status') || group === null ? f : `$share/${group}/${f}`)),
        { qos: 1 },
      );
    }
    this.log.info({ mqtt: this.options.mqttUrl, group, connections: this.clients.length }, 'bridge started');
  }

  async stop(): Promise<void> {
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
    }
  }

  /** The Kafka record for one MQTT message, or undefined for a replay to drop. */
  private toRecord(
    where: { site: string; readerId: string; kind: string },
    payload: Buffer,
    retained: boolean,
  ): (OutputRecord & { batchId?: string }) | undefined {
    const max = this.options.maxPayloadBytes ?? 4 * 1024 * 1024;
    if (payload.length > max)
      return this.reject(
        where,
        payload,
        'BT_BRIDGE_TOO_LARGE',
        `payload of ${payload.length} bytes exceeds the limit of ${max}`,
      );
    let value: unknown;
    try {
      value = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return this.reject(where, payload, 'BT_BRIDGE_NOT_JSON', `not JSON: ${describeError(err)}`);
    }
    if (where.kind === 'reads') {
      this.stats.batchesIn++;
      const parsed = ReadBatch.safeParse(value);
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
      if (this.recent.has(batch.batchId)) {
        this.stats.replaysDropped++;
        return undefined;
      }
      return {
        topic: this.topics.reads,
        key: batch.readerId,
        value: payload.toString('utf8'),
        batchId: batch.batchId,
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
