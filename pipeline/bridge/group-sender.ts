import type { Producer, TopicMessages } from 'kafkajs';

/**
 * A record the bridge forwards: a ReadBatch goes as the very bytes it came in, rather than the text
 * they were decoded to for the check, encoded to UTF-8 again by the producer.
 */
export interface SendRecord {
  topic: string;
  key: string;
  value: string | Buffer;
}

interface Pending {
  record: SendRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the bridge: records that arrive while a send is in flight wait and go out together
 * in the next one. Each MQTT connection hands over one message at a time (its PUBACK waits for
 * Kafka), so with C connections a send carries up to C messages instead of one, and the idempotent
 * producer's single in-flight request is no longer paid per message. One send at a time keeps order.
 */
export class GroupSender {
  private pending: Pending[] = [];
  private sending = false;

  constructor(private readonly producer: Producer) {}

  send(record: SendRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.sending || this.pending.length === 0) return;
    this.sending = true;
    const batch = this.pending;
    this.pending = [];
    const byTopic = new Map<string, TopicMessages>();
    for (const { record } of batch) {
      let t = byTopic.get(record.topic);
      if (!t) {
        t = { topic: record.topic, messages: [] };
        byTopic.set(record.topic, t);
      }
      t.messages.push({ key: record.key, value: record.value });
    }
    this.producer
      .sendBatch({ topicMessages: [...byTopic.values()], acks: -1 })
      .then(
        () => batch.forEach((p) => p.resolve()),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.sending = false;
        this.kick();
      });
  }
}
