import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { readPartitionsToEnd } from '../../pipeline/runtime/changelog.js';
import { kafkaTopics, type ReadBatch } from '../../schemas/index.js';

/** Rows the sink stored: observations, zone events and alerts (0 before the schema exists). */
export async function storedRows(pool: pg.Pool, schema: string): Promise<number> {
  try {
    const r = await pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM "${schema}".observations) + (SELECT count(*) FROM "${schema}".zone_events)
            + (SELECT count(*) FROM "${schema}".alerts) AS n`,
    );
    return Number(r.rows[0]!.n);
  } catch {
    return 0;
  }
}

/** Observations stored that began after `afterUs`: reads published after that moment got through. */
export async function observationsAfter(pool: pg.Pool, schema: string, afterUs: number): Promise<number> {
  try {
    const r = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".observations WHERE first_seen_us > $1`,
      [afterUs],
    );
    return Number(r.rows[0]!.n);
  } catch {
    return 0;
  }
}

/**
 * Consumer lag of the locate and sink groups of a prefix, over every partition they have committed;
 * -1 while the broker does not answer (it is being restarted). Not dedup's: it commits no further
 * than its open windows, and the idle flush emits the last ones without a commit (docs/benchmark.md).
 */
export async function pipelineLag(kafka: Kafka, prefix: string): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    let lag = 0;
    const ends = new Map<string, Map<number, number>>();
    for (const stage of ['locate', 'sink']) {
      for (const t of await admin.fetchOffsets({ groupId: `${prefix}.${stage}` })) {
        let end = ends.get(t.topic);
        if (end === undefined) {
          end = new Map((await admin.fetchTopicOffsets(t.topic)).map((o) => [o.partition, Number(o.high)]));
          ends.set(t.topic, end);
        }
        for (const p of t.partitions) {
          const high = end.get(p.partition) ?? 0;
          if (Number(p.offset) >= 0) lag += Math.max(0, high - Number(p.offset));
        }
      }
    }
    return lag;
  } catch {
    return -1;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Records in the raw-reads topic (its one partition's end offset). */
export async function rawRecords(kafka: Kafka, prefix: string): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(kafkaTopics(prefix).reads);
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** A read as the comparison sees it: reader, EPC, antenna and reader time. */
export function readKey(readerId: string, read: { epc: string; antenna: number; seenAtUs: number }): string {
  return `${readerId}|${read.epc}|${read.antenna}|${read.seenAtUs}`;
}

export interface RawReads {
  /** Every read of the distinct batches (the bridge and dedup drop a batchId seen before), as readKey. */
  reads: string[];
  /** Batches written more than once (same batchId). */
  duplicatedBatches: number;
}

/** What reached the log of record: every ReadBatch in the (one-partition) raw-reads topic. */
export async function rawReads(kafka: Kafka, prefix: string): Promise<RawReads> {
  const records = (await readPartitionsToEnd(kafka, kafkaTopics(prefix).reads, [0], 120_000)).get(0) ?? [];
  const seen = new Set<string>();
  const reads: string[] = [];
  let duplicatedBatches = 0;
  for (const record of records) {
    const batch = JSON.parse(record.value!.toString('utf8')) as ReadBatch;
    if (seen.has(batch.batchId)) {
      duplicatedBatches++;
      continue;
    }
    seen.add(batch.batchId);
    for (const read of batch.reads) reads.push(readKey(batch.readerId, read));
  }
  return { reads, duplicatedBatches };
}

/**
 * Wait until the pipeline has processed everything: locate and sink without lag, the raw topic no
 * longer growing, and the stored rows unchanged for `quietMs` (dedup closes a reader's last windows
 * after 5 s without input, then they flow through locate and the sink).
 */
export async function waitSettled(
  kafka: Kafka,
  pool: pg.Pool,
  prefix: string,
  schema: string,
  timeoutMs: number,
  quietMs = 9_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stableSince = Date.now();
  for (;;) {
    const lag = await pipelineLag(kafka, prefix);
    const state = `${await storedRows(pool, schema)}/${await rawRecords(kafka, prefix).catch(() => -1)}`;
    if (state !== last || lag !== 0) {
      last = state;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) return;
    if (Date.now() > deadline)
      throw new Error(
        `pipeline ${prefix} did not settle within ${timeoutMs} ms (lag ${lag}, rows/raw ${state})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500)); // poll interval
  }
}
