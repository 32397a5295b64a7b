import { Kafka, logLevel, type Message } from 'kafkajs';
import pg from 'pg';
import { onTestFinished } from 'vitest';
import { prepareRun, toBatches } from '../../../pipeline/accuracy/run-accuracy.js';
import { createStageProducer } from '../../../pipeline/runtime/producer.js';
import { PARTITIONS } from '../../../pipeline/runtime/topics.js';
import { kafkaTopics } from '../../../schemas/index.js';
import { loadScenario } from '../../../simulators/index.js';

/** The recorded input: ReadBatches of a seeded simulation, keyed by reader, in production order. */
export async function recordReads(seed: number, durationSec: number): Promise<Message[]> {
  const scenario = await loadScenario({});
  const run = prepareRun({ scenario, seed, durationSec, profile: 'test', noise: false });
  const messages: Message[] = [];
  let seq = 0;
  for (let nowUs = run.startUs + run.stepUs; nowUs <= run.endUs; nowUs += run.stepUs) {
    const reads = run.sim.advance(nowUs);
    run.sim.takeDueCustoms();
    for (const b of toBatches(run.site.site, reads, nowUs, () => ++seq))
      messages.push({ key: b.readerId, value: JSON.stringify(b) });
  }
  return messages;
}

export function testKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'eos-test', brokers, logLevel: logLevel.NOTHING });
}

/**
 * Create a prefix's raw-reads topic with `partitions` partitions (the pipeline creates the rest)
 * and produce the input into it. Its topics are deleted when the test finishes.
 */
export async function feedRaw(
  kafka: Kafka,
  prefix: string,
  messages: Message[],
  partitions: number,
  createTopic = true,
): Promise<void> {
  const topics = kafkaTopics(prefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (createTopic) {
      await admin
        .createTopics({
          topics: [{ topic: topics.reads, numPartitions: partitions, replicationFactor: -1 }],
          waitForLeaders: true,
        })
        // kafkajs' wait for leaders can fail while the broker is busy with other tests' topics;
        // the produce below waits for the leader itself.
        .catch(async (err: unknown) => {
          if (!(await admin.listTopics()).includes(topics.reads)) throw err;
        });
      onTestFinished(async () => {
        const cleanup = kafka.admin();
        await cleanup.connect();
        const all = (await cleanup.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
        await cleanup.deleteTopics({ topics: all }).catch(() => undefined);
        await cleanup.disconnect();
      });
    }
  } finally {
    await admin.disconnect();
  }
  const producer = createStageProducer(kafka);
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 150)
      await producer.send({ topic: topics.reads, acks: -1, messages: messages.slice(i, i + 150) });
  } finally {
    await producer.disconnect();
  }
}

export interface StoredOutput {
  events: string[];
  alerts: string[];
}

/** Every zone event and alert of a schema, as sorted canonical rows (id and content). */
export async function storedOutput(pool: pg.Pool, schema: string): Promise<StoredOutput> {
  const events = await pool.query<{ row: string }>(
    `SELECT concat_ws('|', id, site, epc, kind, from_zone, to_zone, direction, at_us, confidence,
            array_to_string(evidence, ',')) AS row FROM "${schema}".zone_events ORDER BY id`,
  );
  const alerts = await pool.query<{ row: string }>(
    `SELECT concat_ws('|', id, site, kind, severity, epc, zone, reader_id, at_us, details::text) AS row
       FROM "${schema}".alerts ORDER BY id`,
  );
  return { events: events.rows.map((r) => r.row), alerts: alerts.rows.map((r) => r.row) };
}

export async function countRows(pool: pg.Pool, schema: string): Promise<number> {
  try {
    const r = await pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM "${schema}".zone_events) + (SELECT count(*) FROM "${schema}".alerts) AS n`,
    );
    return Number(r.rows[0]!.n);
  } catch {
    return 0; // not migrated yet
  }
}

/** Consumer lag of a group over topics (partitions with no commit count from their low offset). */
export async function groupLag(kafka: Kafka, groupId: string, topicNames: string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lag = 0;
    const committed = await admin.fetchOffsets({ groupId, topics: topicNames });
    for (const t of committed) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const p of t.partitions) {
        const end = ends.find((e) => e.partition === p.partition);
        if (!end) continue;
        const at = Number(p.offset) < 0 ? Number(end.low) : Number(p.offset);
        lag += Number(end.high) - at;
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Wait until locate and sink have consumed everything, and the stored rows have not changed for
 * `quietMs` (dedup closes its last windows after 5 s without input, then they flow through).
 */
export async function waitSettled(
  kafka: Kafka,
  pool: pg.Pool,
  prefix: string,
  schema: string,
  timeoutMs: number,
  quietMs = 9_000,
): Promise<number> {
  const topics = kafkaTopics(prefix);
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    if (Date.now() > deadline) throw new Error(`pipeline ${prefix} did not settle within ${timeoutMs} ms`);
    const n = await countRows(pool, schema);
    const lag =
      (await groupLag(kafka, `${prefix}.locate`, [topics.observations])) +
      (await groupLag(kafka, `${prefix}.sink`, [topics.events, topics.alerts]));
    if (n !== last || lag > 0) {
      last = n;
      stableSince = Date.now();
    } else if (n > 0 && Date.now() - stableSince >= quietMs) return n;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export const OBSERVATION_PARTITIONS = PARTITIONS.observations;
