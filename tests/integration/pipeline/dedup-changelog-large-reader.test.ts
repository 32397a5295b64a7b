import type { KafkaMessage, Message } from 'kafkajs';
import { expect, onTestFinished, test } from 'vitest';
import { DedupChangelog } from '../../../pipeline/dedup/dedup-changelog.js';
import type { ReaderWindows } from '../../../pipeline/dedup/dedup-operator.js';
import { DedupStage } from '../../../pipeline/dedup/dedup-stage.js';
import { ensureChangelogTopic, readPartitionsToEnd } from '../../../pipeline/runtime/changelog.js';
import { createKafka } from '../../../pipeline/runtime/kafka.js';
import { createStageProducer } from '../../../pipeline/runtime/producer.js';
import { StageRunner } from '../../../pipeline/runtime/stage-runner.js';
import { PARTITIONS, ensureTopics } from '../../../pipeline/runtime/topics.js';
import { ManualClock } from '../../../runtime/clock.js';
import { createLogger } from '../../../runtime/logger.js';
import { kafkaTopics, type ReadBatch, type TagRead } from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { feedRaw } from './eos-harness.js';

const T0 = 1_764_000_000_000_000;
const READER = 'R-BIG';
const TAGS = 8_000;
const PER_BATCH = 700;

/**
 * One reader seeing 8,000 tags on two antennas, 700 reads per batch every 100 ms: each 1 s window
 * start holds ~7,000 (antenna, EPC) windows and two or three are open at once. Format 1 wrote this
 * reader's whole state (~1.5 MB of JSON) as one record per batch: the broker refused it
 * ("larger than the max message size") and dedup exited for good (bench, 50 readers, 2026-11-26).
 */
function input(batches: number): ReadBatch[] {
  const out: ReadBatch[] = [];
  for (let b = 0; b < batches; b++) {
    const atUs = T0 + b * 100_000;
    const reads: TagRead[] = [];
    for (let i = 0; i < PER_BATCH; i++) {
      const tag = (b * PER_BATCH + i) % TAGS;
      reads.push({
        epc: `3178E61C8839${tag.toString(16).toUpperCase().padStart(12, '0')}`,
        antenna: 1 + (tag % 2),
        rssiDbm: -50 - ((b + i) % 13) / 10,
        seenAtUs: atUs + i * 10,
        count: 1,
      });
    }
    out.push({
      v: 1,
      site: 'T1',
      readerId: READER,
      source: 'serial',
      batchId: `${READER}:boot:${b}`,
      seq: b,
      sentAtUs: atUs + 30_000,
      reads,
    });
  }
  return out;
}

const asMessage = (b: ReadBatch): Message => ({ key: b.readerId, value: JSON.stringify(b) });
const asKafkaMessage = (b: ReadBatch, offset: number): KafkaMessage => ({
  key: Buffer.from(b.readerId),
  value: Buffer.from(JSON.stringify(b)),
  offset: String(offset),
  timestamp: String(Math.floor(T0 / 1000)),
  attributes: 0,
  headers: {},
});

/** The reader's state without processing-time activity (not in the changelog by design). */
function stateOf(stage: DedupStage): Omit<ReaderWindows, 'lastActivityUs'> {
  const { lastActivityUs: _, ...rest } = stage.operator.reader(READER)!;
  return rest;
}

test(
  'a reader whose whole state is over 1 MB: dedup keeps running on the real broker and a new worker restores it exactly',
  { timeout: 180_000 },
  async () => {
    const { kafkaBrokers } = testServices();
    const log = createLogger('test', { test: 'dedup-changelog-large-reader' });
    const kafka = createKafka(kafkaBrokers, 'dedup-large-reader-test', log);
    const prefix = uniqueName('deduplarge');
    const topics = kafkaTopics(prefix);
    const stateTopic = `${prefix}.dedup-state.v1`;
    const group = `${prefix}.dedup`;
    const all = input(40);
    const head = all.slice(0, 24);
    const tail = all.slice(24);

    const feed = async (batches: ReadBatch[]) => {
      const producer = createStageProducer(kafka);
      await producer.connect();
      try {
        // ~70 KB each: 10 per request stays under the reads topic's 1 MB.
        for (let i = 0; i < batches.length; i += 10)
          await producer.send({
            topic: topics.reads,
            acks: -1,
            messages: batches.slice(i, i + 10).map(asMessage),
          });
      } finally {
        await producer.disconnect();
      }
    };
    await feedRaw(kafka, prefix, [], 1); // creates the one-partition raw-reads topic, deleted after
    await feed(head);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topics);
      await ensureChangelogTopic(admin, stateTopic, PARTITIONS.reads);
    } finally {
      await admin.disconnect();
    }

    // A manual clock: no idle flush closes the windows while the test looks at them.
    const startWorker = async () => {
      // Written after every batch, so the changelog is compared with the state at once.
      const stage = new DedupStage(topics, group, undefined, new ManualClock(T0), {
        stateTopic,
        log,
        changelogIntervalUs: 0,
      });
      const fatal: unknown[] = [];
      const runner = new StageRunner(kafka, stage, log, { onFatal: (err) => fatal.push(err) });
      onTestFinished(() => runner.stop());
      await runner.start();
      return { stage, runner, fatal };
    };
    /** Every fetched batch handled, produced (outputs and changelog) and committed. */
    const settled = async (worker: Awaited<ReturnType<typeof startWorker>>, offsets: number) =>
      expect
        .poll(
          () => {
            const { runner, stage, fatal } = worker;
            if (fatal.length > 0 || runner.error !== undefined) throw runner.error ?? fatal[0];
            return (
              runner.stats.messagesIn - stage.skippedReplays >= offsets &&
              runner.stats.batchesCommitted === runner.stats.batches
            );
          },
          { timeout: 60_000, interval: 100 },
        )
        .toBe(true);

    const first = await startWorker();
    await settled(first, head.length);
    expect(first.runner.ready).toBe(true);
    const held = stateOf(first.stage);
    expect(held.windows.size).toBeGreaterThanOrEqual(2);
    const windows = [...held.windows.values()].reduce((n, m) => n + m.size, 0);
    expect(windows).toBeGreaterThan(8_000);
    // What format 1 would have written for this reader, as one record:
    const formatOne = JSON.stringify({
      v: 1,
      site: held.site,
      maxEventUs: held.maxEventUs,
      windows: [...held.windows.entries()].map(([s, m]) => [s, [...m.entries()]]),
      clock: held.clock,
    });
    expect(formatOne.length).toBeGreaterThan(1024 * 1024);

    // The changelog as the broker holds it restores the state exactly.
    const stored = (await readPartitionsToEnd(kafka, stateTopic, [0], 60_000, log)).get(0)!;
    // Each segment (records up to a `~partition` one) would even fit the broker's default 1 MB.
    let segment = 0;
    for (const r of stored) {
      segment += r.key.length + (r.value?.length ?? 0);
      if (r.key !== '~partition') continue;
      expect(segment).toBeLessThan(1024 * 1024);
      segment = 0;
    }
    const restored = new DedupChangelog(stateTopic).restore(0, stored, T0);
    expect(restored.bad).toEqual([]);
    expect(restored.nextOffset).toBe(head.length);
    const { lastActivityUs: _, ...restoredReader } = restored.readers.get(READER)!;
    expect(restoredReader).toEqual(held);
    await first.runner.stop();

    // A new worker of the group restores from the changelog, skips what it held, and reads on.
    const second = await startWorker();
    await feed(tail);
    await settled(second, tail.length);
    expect(second.stage.skippedReplays).toBeGreaterThan(0);
    const uninterrupted = new DedupStage(topics, 'g', undefined, new ManualClock(T0));
    uninterrupted.handleBatch(topics.reads, 0, all.map(asKafkaMessage));
    expect(stateOf(second.stage)).toEqual(stateOf(uninterrupted));
    expect(
      second.stage.operator.counters.observationsOut + first.stage.operator.counters.observationsOut,
    ).toBe(uninterrupted.operator.counters.observationsOut);
  },
);
