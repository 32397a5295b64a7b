import type { Admin } from 'kafkajs';
import type { KafkaTopics } from '../../schemas/index.js';

/**
 * Partition counts. Observations and customs share a count (and the EPC key) so that the same EPC
 * lands on the same partition number of both: the co-partitioning a join needs.
 */
export const PARTITIONS: Record<keyof KafkaTopics, number> = {
  reads: 6,
  observations: 6,
  customs: 6,
  events: 3,
  alerts: 3,
  readerStatus: 1,
  dlq: 1,
};

/** Create any of our topics that do not exist yet (idempotent; safe to race with another process). */
export async function ensureTopics(admin: Admin, topics: KafkaTopics): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = (Object.keys(topics) as Array<keyof KafkaTopics>)
    .filter((k) => !existing.has(topics[k]))
    .map((k) => ({ topic: topics[k], numPartitions: PARTITIONS[k], replicationFactor: -1 }));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (err) {
    // Another process may have created them in between: only fail if some are still missing.
    if (
      !(await topicsAppear(
        admin,
        missing.map((t) => t.topic),
      ))
    )
      throw err;
  }
  return missing.map((t) => t.topic);
}

/**
 * Whether the topics are listed within `timeoutMs`. On a loaded broker the metadata of topics just
 * created lags: `createTopics` with `waitForLeaders` then fails with UNKNOWN_TOPIC_OR_PARTITION
 * ("This server does not host this topic-partition"), which kafkajs does not retry, although the
 * topics are being created. Seen on our shared CI broker, 2026-11-26, failing pipeline start.
 */
export async function topicsAppear(
  admin: Admin,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = new Set(await admin.listTopics());
    if (names.every((n) => listed.has(n))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Delete those of `names` that exist; returns them. Kafka refuses a whole deletion for one unknown
 * name, so a clean-up that may run before everything was created lists first.
 */
export async function deleteExistingTopics(admin: Admin, names: readonly string[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const doomed = names.filter((n) => existing.has(n));
  if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  return doomed;
}
