import { createRequire } from 'node:module';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetriableKafkaError } from '../../../pipeline/runtime/kafka-start-retry.js';
import { createTopicsSurely } from '../../../pipeline/runtime/topics.js';
import { describeError } from '../../../runtime/errors.js';
import { testServices, uniqueName } from '../../helpers/services.js';

/**
 * Topic creation on the real broker, including the answer a saturated KRaft controller gives: the
 * topic's error is REQUEST_TIMED_OUT and the topic is not created. That answer cannot be provoked on
 * demand, so an admin around the real one gives it once, built from kafkajs's own error classes
 * exactly as kafkajs's CreateTopics response parser builds it; everything else is the broker's.
 */

// kafkajs exports neither its error classes nor its code table from the package root.
const require = createRequire(import.meta.url);
const { KafkaJSAggregateError, KafkaJSCreateTopicError } = require('kafkajs/src/errors.js') as {
  KafkaJSAggregateError: new (message: string, errors: Error[]) => Error;
  KafkaJSCreateTopicError: new (e: unknown, topic: string) => Error;
};
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): unknown;
};
const REQUEST_TIMED_OUT = 7;
const INVALID_REPLICATION_FACTOR = 38;

function createTopicErrors(code: number, topics: string[]): Error {
  return new KafkaJSAggregateError(
    'Topic creation errors',
    topics.map((t) => new KafkaJSCreateTopicError(createErrorFromCode(code), t)),
  );
}

/** The real admin, whose first `n` createTopics calls time out in the controller, creating nothing. */
function timingOutAdmin(admin: Admin, n: number): { admin: Admin; calls: () => number } {
  let calls = 0;
  const wrapped = Object.create(admin) as Admin;
  wrapped.createTopics = async (options) => {
    calls++;
    if (calls <= n)
      throw createTopicErrors(
        REQUEST_TIMED_OUT,
        options.topics.map((t) => t.topic),
      );
    return admin.createTopics(options);
  };
  return { admin: wrapped, calls: () => calls };
}

let admin: Admin;

beforeAll(async () => {
  admin = new Kafka({ brokers: testServices().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
});

describe('createTopicsSurely', () => {
  it('asks again when the controller timed out before creating the topic', async () => {
    const topic = uniqueName('surely');
    const faulty = timingOutAdmin(admin, 2);
    await createTopicsSurely(faulty.admin, [{ topic, numPartitions: 3, replicationFactor: -1 }]);
    expect(faulty.calls()).toBe(3);
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(meta?.partitions).toHaveLength(3);
    await admin.deleteTopics({ topics: [topic] });
  }, 60_000);

  it('succeeds in two processes racing to create the same topics', async () => {
    const topics = [uniqueName('race'), uniqueName('race')];
    const other = new Kafka({ brokers: testServices().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await other.connect();
    try {
      const specs = topics.map((topic) => ({ topic, numPartitions: 2, replicationFactor: -1 }));
      await Promise.all([createTopicsSurely(admin, specs), createTopicsSurely(other, specs)]);
    } finally {
      await other.disconnect();
    }
    const listed = new Set(await admin.listTopics());
    expect(topics.filter((t) => listed.has(t))).toEqual(topics);
    await admin.deleteTopics({ topics });
  }, 60_000);

  it('fails with the broker’s reason when asking again cannot help', async () => {
    const topic = uniqueName('refused');
    // One broker: a replication factor of 3 is refused (INVALID_REPLICATION_FACTOR), not retriable.
    const attempt = createTopicsSurely(admin, [{ topic, numPartitions: 1, replicationFactor: 3 }], 2_000);
    const err = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRetriableKafkaError(err)).toBe(false);
    expect(describeError(err)).toBe(`Topic creation errors (${topic}: Replication-factor is invalid)`);
    expect(await admin.listTopics()).not.toContain(topic);
  }, 60_000);
});

describe('isRetriableKafkaError on CreateTopics answers', () => {
  it('retries an aggregate only when every topic’s error is retriable', () => {
    expect(isRetriableKafkaError(createTopicErrors(REQUEST_TIMED_OUT, ['a', 'b']))).toBe(true);
    expect(isRetriableKafkaError(createTopicErrors(INVALID_REPLICATION_FACTOR, ['a']))).toBe(false);
    const mixed = new KafkaJSAggregateError('Topic creation errors', [
      new KafkaJSCreateTopicError(createErrorFromCode(REQUEST_TIMED_OUT), 'a'),
      new KafkaJSCreateTopicError(createErrorFromCode(INVALID_REPLICATION_FACTOR), 'b'),
    ]);
    expect(isRetriableKafkaError(mixed)).toBe(false);
    expect(isRetriableKafkaError(new KafkaJSAggregateError('Topic creation errors', []))).toBe(false);
  });
});
