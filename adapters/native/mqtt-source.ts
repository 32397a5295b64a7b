import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { NativeReaderClient } from './client.js';
import { topicMatches } from './topic-match.js';

/** Counters of the MQTT input, for stats(). */
export interface MqttSourceStats {
  messages: number;
  /** Times the input stopped taking messages because the publisher was over its high-water mark. */
  pauses: number;
  /** True while stopped. */
  paused: boolean;
}

/**
 * Subscribes to the topics readers publish their payloads on (Impinj IoT `eventTopic`, Zebra
 * `…/d-evt`) and hands each message to the reader whose filter matches. A persistent session
 * (clean: false, stable client id) keeps QoS 1 messages at the broker while the adapter restarts.
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
  private readonly counters: MqttSourceStats = { messages: 0, pauses: 0, paused: false };

  constructor(
    url: string,
    clientId: string,
    private readonly readers: NativeReaderClient[],
    private readonly onDocument: (readerId: string) => void,
    private readonly whenWritable: () => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.client = connect(url, { clientId, clean: false, reconnectPeriod: 1_000 });
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
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    };
  }

  /** Resolves once first subscribed. */
  whenSubscribed(): Promise<void> {
    return this.subscribedOnce;
  }

  stats(): MqttSourceStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    // force: a PUBACK held by backpressure must not hold the stop; the broker redelivers it.
    return this.client.endAsync(this.counters.paused);
  }

  private async onMessage(packet: IPublishPacket): Promise<void> {
    this.counters.messages++;
    const reader = this.readers.find((r) =>
      r.options.topics.some((filter) => topicMatches(filter, packet.topic)),
    );
    if (reader === undefined) return;
    this.onDocument(reader.readerId);
    const payload = typeof packet.payload === 'string' ? packet.payload : packet.payload.toString('utf8');
    if (reader.handleMessage(payload)) return;
    this.counters.pauses++;
    this.counters.paused = true;
    this.logger.info({ readerId: reader.readerId }, 'publisher full: MQTT input paused (PUBACK held)');
    try {
      await this.whenWritable();
    } finally {
      this.counters.paused = false;
    }
    this.logger.info('MQTT input resumed');
  }
}
