import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { onTestFinished } from 'vitest';
import { createKafka } from '../../pipeline/runtime/kafka.js';
import { testServices, uniqueName } from './services.js';

/**
 * A Kafka client, a connected admin and a fresh input and output topic (random names) for a test of
 * the stage runner; the topics are deleted and the admin disconnected when the test ends.
 */
export async function stageTopics(
  prefix: string,
  log: Logger,
  partitions: { input: number; output: number },
): Promise<{ kafka: Kafka; admin: Admin; input: string; output: string }> {
  const kafka = createKafka(testServices().kafkaBrokers, uniqueName(prefix), log);
  const input = uniqueName(`${prefix}-in`);
  const output = uniqueName(`${prefix}-out`);
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(() => admin.disconnect());
  await admin.createTopics({
    topics: [
      { topic: input, numPartitions: partitions.input },
      { topic: output, numPartitions: partitions.output },
    ],
    waitForLeaders: true,
  });
  onTestFinished(() => admin.deleteTopics({ topics: [input, output] }).catch(() => undefined));
  return { kafka, admin, input, output };
}
