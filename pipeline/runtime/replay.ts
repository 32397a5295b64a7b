import type { Kafka } from 'kafkajs';
import { kafkaTopics, type KafkaTopics } from '../../schemas/index.js';
import { ConfigError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { readPartitionsToEnd, type ChangelogRecord } from './changelog.js';
import { retryKafkaStart } from './kafka-start-retry.js';
import { createStageProducer } from './producer.js';
import { mergeByTime } from './time-merge.js';
import { createTopicsSurely } from './topics.js';

/**
 * When a raw-reads record was sent (`ReadBatch.sentAtUs`, the adapter host's NTP-disciplined
 * clock), or `undefined` if the record carries none (it is copied all the same; dedup dead-letters it).
 */
export function recordSentAtUs(value: Buffer | null): number | undefined {
  if (value === null) return undefined;
  try {
    const sentAtUs = (JSON.parse(value.toString('utf8')) as { sentAtUs?: unknown } | null)?.sentAtUs;
    return typeof sentAtUs === 'number' && Number.isFinite(sentAtUs) ? sentAtUs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How a replay lays out the raw reads it copies: `merged` (default, below), or `partitions`: the
 * source's partitions copied one to one, in offset order, so dedup's workers interleave them by
 * processing time as the live pipeline did — the like-for-like reference when a live run's output
 * is compared with a replay of its log (the fault suite), not the most accurate rebuild.
 */
export type ReplayLayout = 'merged' | 'partitions';

/**
 * Copy a prefix's raw-reads topic into another prefix's as ONE partition (layout `merged`), merged by send time
 * across the source partitions (`mergeByTime` on `ReadBatch.sentAtUs`), each source partition's
 * order kept. Creates the target topic; it must not exist yet (a replay starts from nothing).
 * Returns the records copied.
 *
 * Why one partition: locate has no event-time alignment across the raw-reads partitions feeding an
 * observations partition (docs/pipeline.md, known limits). Copied partition by partition, dedup's
 * workers race through the partitions independently, one reader's observations run ahead of
 * another's, and locate drops the lagging evidence (accuracy of an unpaced flood: zone time 0.54).
 * One partition read in send-time order gives one dedup worker every reader's batches in about the
 * order they were sent, so observations reach locate in about event time order, as live.
 *
 * Why send time and not the reads' own time: `sentAtUs` is on every batch (an empty one too) and
 * comes from the adapter hosts' disciplined clocks, while reader clocks can be skewed (dedup
 * corrects them per reader; a reader hours behind would be merged hours early, and with it every
 * reader sharing its source partition). A backlog sent late after an outage is merged where it was
 * sent, which is where the live run saw it.
 *
 * The source is held in memory (all partitions, for the merge): fine for the hours to days a
 * replay of a site covers in tests and demos; a streaming merge is the form for weeks of a busy site.
 */
export async function copyRawReads(
  kafka: Kafka,
  fromPrefix: string,
  toPrefix: string,
  log: Logger,
  layout: ReplayLayout = 'merged',
): Promise<number> {
  const from = kafkaTopics(fromPrefix).reads;
  const to = kafkaTopics(toPrefix).reads;
  const retry = { log };
  // Checked once, before any retry: a retry must not mistake the topic it created for a clash.
  const partitions = await retryKafkaStart(
    `read partitions of ${from}`,
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = await admin.listTopics();
        if (!existing.includes(from)) throw new ConfigError(`raw-reads topic ${from} does not exist`);
        if (existing.includes(to))
          throw new ConfigError(`target topic ${to} exists already: use a fresh prefix`);
        const meta = await admin.fetchTopicMetadata({ topics: [from] });
        return meta.topics[0]!.partitions.map((p) => p.partitionId).sort((a, b) => a - b);
      } finally {
        await admin.disconnect();
      }
    },
    retry,
  );
  await retryKafkaStart(
    `create ${to}`,
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await createTopicsSurely(admin, [
          { topic: to, numPartitions: layout === 'merged' ? 1 : partitions.length, replicationFactor: -1 },
        ]);
      } finally {
        await admin.disconnect();
      }
    },
    retry,
  );
  const sources: ChangelogRecord[][] = [];
  for (const partition of partitions)
    sources.push((await readPartitionsToEnd(kafka, from, [partition], undefined, log)).get(partition) ?? []);
  const merged =
    layout === 'merged'
      ? mergeByTime(sources, (r) => recordSentAtUs(r.value)).map((r) => ({ ...r, partition: 0 }))
      : sources.flatMap((list, i) => list.map((r) => ({ ...r, partition: partitions[i]! })));
  const producer = createStageProducer(kafka);
  await retryKafkaStart('producer connect', () => producer.connect(), retry);
  try {
    // Requests of ~512 KB at most: the broker refuses a record batch over message.max.bytes.
    let chunk: Array<{ key: string; value: Buffer | null; partition: number }> = [];
    let bytes = 0;
    for (const r of merged) {
      chunk.push({ key: r.key, value: r.value, partition: r.partition });
      bytes += r.key.length + (r.value?.length ?? 0) + 64;
      if (bytes >= 512 * 1024) {
        await producer.send({ topic: to, acks: -1, messages: chunk });
        chunk = [];
        bytes = 0;
      }
    }
    if (chunk.length > 0) await producer.send({ topic: to, acks: -1, messages: chunk });
  } finally {
    await producer.disconnect();
  }
  log.info(
    { partitions: partitions.length, records: merged.length, layout },
    layout === 'merged' ? 'raw reads merged into one partition' : 'raw reads copied partition by partition',
  );
  return merged.length;
}

/** Messages of the topics not yet committed by a group (a partition without a commit counts in full). */
export async function groupLag(kafka: Kafka, groupId: string, topics: string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lag = 0;
    for (const t of await admin.fetchOffsets({ groupId, topics })) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const p of t.partitions) {
        const end = ends.find((e) => e.partition === p.partition);
        if (!end) continue;
        const at = Number(p.offset) < 0 ? Number(end.low) : Number(p.offset);
        lag += Math.max(0, Number(end.high) - at);
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

async function topicEnd(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export interface ReplayProgress {
  observations: number;
  events: number;
  alerts: number;
}

/**
 * Wait until a prefix's dedup → locate → sink stages have worked through their input: locate and
 * the sink have committed everything, and nothing new was produced for `quietMs` (dedup closes
 * the last windows after 5 s without input; they then flow through).
 */
export async function waitUntilQuiet(
  kafka: Kafka,
  prefix: string,
  options: { quietMs: number; timeoutMs: number; pollMs?: number },
): Promise<ReplayProgress> {
  const topics: KafkaTopics = kafkaTopics(prefix);
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  let quietSince = Date.now();
  for (;;) {
    const progress: ReplayProgress = {
      observations: await topicEnd(kafka, topics.observations),
      events: await topicEnd(kafka, topics.events),
      alerts: await topicEnd(kafka, topics.alerts),
    };
    const lag =
      (await groupLag(kafka, `${prefix}.locate`, [topics.observations])) +
      (await groupLag(kafka, `${prefix}.sink`, [topics.observations, topics.events, topics.alerts]));
    const key = JSON.stringify(progress);
    if (key !== last || lag > 0 || progress.observations === 0) {
      last = key;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= options.quietMs) return progress;
    if (Date.now() > deadline) throw new Error(`replay into ${prefix} did not finish in time`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
