import { connect, type MqttClient } from 'mqtt';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { NativeReaderClient } from './client.js';
import { topicMatches } from './topic-match.js';

/**
 * Subscribes to the topics readers publish their payloads on (Impinj IoT `eventTopic`, Zebra
 * `…/d-evt`) and hands each message to the reader whose filter matches. A persistent session
 * (clean: false, stable client id) keeps QoS 1 messages at the broker while the adapter restarts.
 */
export class MqttSource {
  private readonly client: MqttClient;
  private subscribed!: () => void;
  private readonly subscribedOnce = new Promise<void>((resolve) => (this.subscribed = resolve));

  constructor(
    url: string,
    clientId: string,
    private readonly readers: NativeReaderClient[],
    private readonly onDocument: (readerId: string) => void,
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
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** Resolves once first subscribed. */
  whenSubscribed(): Promise<void> {
    return this.subscribedOnce;
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }

  private onMessage(topic: string, payload: Buffer): void {
    const reader = this.readers.find((r) => r.options.topics.some((filter) => topicMatches(filter, topic)));
    if (reader === undefined) return;
    this.onDocument(reader.readerId);
    reader.handleMessage(payload.toString('utf8'));
  }
}
