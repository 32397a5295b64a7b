import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { NativeReaderClient } from './client.js';
import { RedeliveryFilter } from './redelivery-filter.js';
import { topicMatches } from './topic-match.js';
import { mqttClientOptions } from '../../runtime/mqtt-client-options.js';

/** Reads not durable after this long (no disk queue, output broker away) count as a pause. */
const SLOW_DURABLE_MS = 1_000;

/** Counters of the MQTT input, for stats(). */
export interface MqttSourceStats {
  messages: number;
  /**
   * Times the input stopped taking messages: the publisher over its high-water mark, or (without a
   * disk queue) the output broker not acknowledging the reads of the message in hand.
   */
  pauses: number;
  /** True while stopped. */
  paused: boolean;
  /** Messages whose reads the publisher could not make durable: left unacknowledged for redelivery. */
  unacknowledged: number;
  /** Redeliveries (DUP) of messages whose reads were already durable: acknowledged, not re-read. */
  redeliveriesSkipped: number;
}

/**
 * Subscribes to the topics readers publish their payloads on (Impinj IoT `eventTopic`, Zebra
 * `…/d-evt`) and hands each message to the reader whose filter matches. A persistent session
 * (clean: false, stable client id) keeps QoS 1 messages at the broker while the adapter restarts.
 *
 * Durability: the PUBACK is what tells the reader (or the broker's session) the message is safe,
 * so it is sent only once the message's reads are durable in the publisher (`whenDurable`:
 * appended to the on-disk queue, else acknowledged by the output broker). MQTT.js hands a
 * connection's messages over one at a time until the callback is called, so no more input from
 * this connection can fill the reader's batch meanwhile: `whenDurable` forms it at once rather than
 * after the linger delay. An adapter killed before that point loses nothing: the broker redelivers
 * the unacknowledged message to the persistent session.
 *
 * Backpressure: messages are taken through MQTT.js's `handleMessage` hook, whose callback sends
 * the PUBACK and lets MQTT.js parse the next packet. While the publisher is over its high-water
 * mark the callback waits for `whenWritable()`, so nothing more is read from the socket (TCP pushes
 * back) and the broker, short of PUBACKs, stops at its in-flight limit and keeps the rest queued
 * in the session instead of in our memory.
 */
export class MqttSource {
  private readonly client: MqttClient;
  private subscribed!: () => void;
  private readonly subscribedOnce = new Promise<void>((resolve) => (this.subscribed = resolve));
  /** Messages whose PUBACK waits for their reads to be durable. */
  private held = 0;
  private readonly counters: MqttSourceStats = {
    messages: 0,
    pauses: 0,
    paused: false,
    unacknowledged: 0,
    redeliveriesSkipped: 0,
  };

  constructor(
    url: string,
    clientId: string,
    private readonly readers: NativeReaderClient[],
    private readonly onDocument: (readerId: string) => void,
    private readonly whenWritable: () => Promise<void>,
    private readonly whenDurable: (readerId: string) => Promise<void>,
    private readonly logger: Logger,
    /** With an on-disk queue: the messages already made durable, so a redelivery is not read twice. */
    private readonly redeliveries?: RedeliveryFilter,
  ) {
    this.client = connect(url, mqttClientOptions({ clientId, clean: false, reconnectPeriod: 1_000 }));
    this.client.on('error', (err) => this.logger.warn({ err: describeError(err) }, 'source MQTT error'));
    this.client.on('connect', () => {
      const topics = readers.flatMap((reader) => reader.options.topics);
      this.client.subscribe(topics, { qos: 1 }, (err) => {
        if (err) this.logger.error({ err: describeError(err), topics }, 'cannot subscribe to reader topics');
        else {
          this.logger.info({ topics }, 'subscribed to reader topics');
          this.subscribed();
        }
      });
    });
    this.client.handleMessage = (packet, callback) => {
      this.onMessage(packet).then(
        () => callback(),
        (err: unknown) => {
          // No PUBACK: the broker redelivers the message (at the latest on reconnect).
          this.counters.unacknowledged++;
          this.logger.warn(
            { err: describeError(err), topic: packet.topic },
            'message not durable: PUBACK withheld',
          );
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
  }

  /** True while connected to the source broker. */
  get connected(): boolean {
    return this.client.connected;
  }

  /** Resolves once first subscribed. */
  whenSubscribed(): Promise<void> {
    return this.subscribedOnce;
  }

  stats(): MqttSourceStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    // force: a PUBACK held (backpressure, or reads not yet durable) must not hold the stop; the
    // broker redelivers that message to the persistent session.
    return this.client.endAsync(this.counters.paused || this.held > 0);
  }

  private async onMessage(packet: IPublishPacket): Promise<void> {
    this.counters.messages++;
    const reader = this.readers.find((r) =>
      r.options.topics.some((filter) => topicMatches(filter, packet.topic)),
    );
    if (reader === undefined) return;
    this.onDocument(reader.readerId);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const key = this.redeliveries && RedeliveryFilter.keyOf(packet.topic, payload);
    if (key !== undefined && packet.dup && this.redeliveries?.seen(key)) {
      this.counters.redeliveriesSkipped++;
      return;
    }
    const writable = reader.handlePayload(payload);
    const durable = this.whenDurable(reader.readerId);
    this.held++;
    try {
      if (!writable) this.pause(reader.readerId, 'publisher full: MQTT input paused (PUBACK held)');
      // Without a disk queue durable means acknowledged by the output broker: a round trip
      // normally, indefinitely while it is away. Only the latter is worth reporting as a pause.
      const slow = writable
        ? setTimeout(
            () =>
              this.pause(reader.readerId, 'output broker not acknowledging: MQTT input paused (PUBACK held)'),
            SLOW_DURABLE_MS,
          )
        : undefined;
      try {
        await durable;
      } finally {
        clearTimeout(slow);
      }
      if (key !== undefined) this.redeliveries?.record(key);
      if (!writable) await this.whenWritable();
    } finally {
      this.held--;
      if (this.counters.paused) {
        this.counters.paused = false;
        this.logger.info('MQTT input resumed');
      }
    }
  }

  private pause(readerId: string, why: string): void {
    this.counters.pauses++;
    this.counters.paused = true;
    this.logger.info({ readerId }, why);
  }
}
