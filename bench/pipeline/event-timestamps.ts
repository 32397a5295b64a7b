import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { ProducedEvent } from './deciding-read.js';

/**
 * When locate produced each zone event (the CreateTime of its record on the events topic) and the
 * observation ids it names as evidence, by event id. Read by a consumer group of its own alongside
 * the run; keeps events × evidence ids (at most 64 each), never observations.
 */
export class EventTimestamps {
  readonly eventsById = new Map<string, ProducedEvent>();
  private records = 0;
  private consumer: Consumer | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `bench-events-${randomBytes(4).toString('hex')}` });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ message }) => {
        const value = JSON.parse(message.value!.toString('utf8')) as { id: string; evidence?: string[] };
        this.eventsById.set(value.id, {
          producedMs: Number(message.timestamp),
          evidence: value.evidence ?? [],
        });
        this.records++;
        for (const wake of this.waiters.splice(0)) wake();
        return Promise.resolve();
      },
    });
  }

  /** Resolve once `count` records have been read (the topic's end when the pipeline drained). */
  async readUpTo(count: number): Promise<void> {
    while (this.records < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
