import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { newHistogram, percentilesOf, type Percentiles } from './latency.js';

/**
 * Read → observation produced: for every record of the observations topic, its CreateTime (stamped
 * by dedup's producer) minus the observation's `firstSeenUs` (the first read it folds in, reader
 * time = the load generator's clock). Dedup's windows and allowed lateness, plus everything
 * upstream (broker queue, bridge). Read once after the run; only a histogram is kept.
 */
export async function observationDelays(
  kafka: Kafka,
  topic: string,
  endOffset: number,
): Promise<Percentiles> {
  const histogram = newHistogram();
  if (endOffset === 0) return percentilesOf(histogram);
  const consumer = kafka.consumer({
    groupId: `bench-obs-${randomBytes(4).toString('hex')}`,
    maxBytes: 64 << 20,
  });
  await consumer.connect();
  let records = 0;
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              records++;
              if (!message.value) continue;
              const { firstSeenUs } = JSON.parse(message.value.toString('utf8')) as { firstSeenUs: number };
              histogram.recordValue(Math.max(1, Math.round(Number(message.timestamp) - firstSeenUs / 1000)));
            }
            if (records >= endOffset) resolve();
            await Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return percentilesOf(histogram);
}
