import type { Kafka, Producer } from 'kafkajs';
import { CachedKeyPartitioner } from './key-partitioner.js';

/**
 * The producer every stage uses: idempotent (no duplicates from its own retries), one request in
 * flight (order kept), the Java client's murmur2 partitioner (key-partitioner.ts, so a key lands on the same partition
 * number whichever client produced it: the co-partitioning joins rely on), and retries without end —
 * while Kafka is away a stage waits rather than fails, and commits nothing meanwhile.
 */
export function createStageProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: CachedKeyPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
}
