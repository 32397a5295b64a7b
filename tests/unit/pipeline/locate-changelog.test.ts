import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { prepareRun, toBatches } from '../../../pipeline/accuracy/run-accuracy.js';
import { DedupOperator, type ReaderWindows } from '../../../pipeline/dedup/dedup-operator.js';
import { LocateStage } from '../../../pipeline/locate/locate-stage.js';
import { SiteIndex } from '../../../pipeline/site/site-index.js';
import { decodePallet, encodePallet, META_KEY } from '../../../pipeline/locate/locate-state.js';
import type { OutputRecord } from '../../../pipeline/runtime/stage.js';
import { ManualClock } from '../../../runtime/clock.js';
import pino from 'pino';
import { MemoryStateStore } from '../../../runtime/state-store.js';
import { kafkaTopics, type Observation } from '../../../schemas/index.js';
import { loadScenario } from '../../../simulators/index.js';

const topics = kafkaTopics('unit');
const STATE = 'unit.locate-state.v1';
// Never connected: handleBatch and restore do not touch Kafka.
const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
const log = pino({ level: 'silent' });

/** Observations of a seeded simulation, as dedup emits them, as records of one partition. */
async function observations(seed: number, durationSec: number): Promise<KafkaMessage[]> {
  const scenario = await loadScenario({});
  const run = prepareRun({ scenario, seed, durationSec, profile: 'test', noise: false });
  const clock = new ManualClock(run.startUs);
  const dedup = new DedupOperator(run.site, clock, new MemoryStateStore<ReaderWindows>());
  const out: Observation[] = [];
  let seq = 0;
  let offset = 0;
  for (let nowUs = run.startUs + run.stepUs; nowUs <= run.endUs; nowUs += run.stepUs) {
    clock.set(nowUs);
    for (const b of toBatches(run.site.site, run.sim.advance(nowUs), nowUs, () => ++seq))
      out.push(...dedup.ingest(b, { partition: 0, offset: offset++ }));
  }
  clock.advance(60_000_000);
  out.push(...dedup.tick());
  return out.map((o, i) => ({
    key: Buffer.from(o.epc),
    value: Buffer.from(JSON.stringify(o)),
    offset: String(i),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
}

/** A stage writing its changelog after every batch (interval 0) unless told otherwise. */
async function newStage(clock = new ManualClock(0), changelogIntervalUs = 0): Promise<LocateStage> {
  const scenario = await loadScenario({});
  return new LocateStage(kafka, topics, 'unit.locate', new SiteIndex(scenario.site), clock, log, {
    stateTopic: STATE,
    changelogIntervalUs,
  });
}

/** Batches of `size`, processing time advancing `stepUs` before each when a clock is given. */
function feed(
  stage: LocateStage,
  messages: KafkaMessage[],
  size: number,
  clock?: ManualClock,
  stepUs = 0,
): OutputRecord[] {
  const out: OutputRecord[] = [];
  for (let i = 0; i < messages.length; i += size) {
    clock?.advance(stepUs);
    out.push(...stage.handleBatch(topics.observations, 0, messages.slice(i, i + size)));
  }
  return out;
}

/** Events and alerts by id (the sink keeps one row per id). */
function results(records: OutputRecord[]): Map<string, string> {
  const byId = new Map<string, string>();
  for (const r of records) {
    if (r.topic !== topics.events && r.topic !== topics.alerts) continue;
    const id = (JSON.parse(r.value) as { id: string }).id;
    const seen = byId.get(id);
    if (seen !== undefined && seen !== r.value) throw new Error(`id ${id} emitted with two contents`);
    byId.set(id, r.value);
  }
  return byId;
}

/** Compacted view of a changelog: the latest value per key, as the restore reads it. */
function compacted(records: OutputRecord[]): Array<{ key: string; value: Buffer | null }> {
  const latest = new Map<string, Buffer | null>();
  for (const r of records) {
    if (r.topic !== STATE) continue;
    latest.delete(r.key);
    latest.set(r.key, r.tombstone ? null : Buffer.from(r.value));
  }
  return [...latest].map(([key, value]) => ({ key, value }));
}

describe('locate state changelog', () => {
  test('a worker that restores the changelog mid-stream and replays uncommitted input emits exactly what one uninterrupted worker does', async () => {
    const input = await observations(5, 60);
    expect(input.length).toBeGreaterThan(500);
    const whole = results(feed(await newStage(), input, 97));
    expect(whole.size).toBeGreaterThan(50);

    for (const cut of [Math.floor(input.length / 3), Math.floor((2 * input.length) / 3)]) {
      const first = await newStage();
      const before = feed(first, input.slice(0, cut), 97);
      const second = await newStage();
      second.changelog!.restore(0, compacted(before));
      // The commit lagged the changelog: input from before the cut comes again and is skipped.
      const after = feed(second, input.slice(cut - 150), 50);
      expect(second.skippedReplays).toBe(150);
      const combined = results([...before, ...after]);
      expect([...combined].sort()).toEqual([...whole].sort());
    }
  });

  test('written at most once a second: the commit stops at the last write, and a worker restored from it and fed from the commit emits what one uninterrupted worker does', async () => {
    const input = await observations(5, 60);
    const whole = results(feed(await newStage(), input, 97));
    for (const cut of [Math.floor(input.length / 3), Math.floor((2 * input.length) / 3)]) {
      const clock = new ManualClock(0);
      const first = await newStage(clock, 1_000_000);
      // A batch every 300 ms: a write every fourth batch or so.
      const before = feed(first, input.slice(0, cut), 97, clock, 300_000);
      const batches = Math.ceil(cut / 97);
      const writes = before.filter((r) => r.topic === STATE && r.key === META_KEY).length;
      expect(writes).toBeGreaterThan(1);
      expect(writes).toBeLessThan(batches / 2);
      const commit = first.retainedOffset(topics.observations, 0)!;
      expect(commit).toBeLessThanOrEqual(cut);
      // What the changelog holds is exactly what the commit says: nothing after it, nothing missing.
      const second = await newStage(new ManualClock(0), 1_000_000);
      second.changelog!.restore(0, compacted(before));
      expect(second.retainedOffset(topics.observations, 0)).toBe(commit);
      const after = feed(second, input.slice(commit), 50);
      expect(second.skippedReplays).toBe(0);
      const combined = results([...before, ...after]);
      expect([...combined].sort()).toEqual([...whole].sort());
    }
  });

  test('a partition whose input pauses is written by the tick once its interval has passed, and its commit catches up', async () => {
    const input = await observations(5, 60);
    const clock = new ManualClock(0);
    const stage = await newStage(clock, 1_000_000);
    feed(stage, input.slice(0, 300), 100, clock, 100_000);
    const end = 300;
    expect(stage.retainedOffset(topics.observations, 0)).toBeLessThan(end);
    expect(stage.tick()).toEqual([]);
    clock.advance(1_000_000);
    const written = stage.tick();
    expect(written.some((r) => r.topic === STATE && r.key === META_KEY && r.segmentEnd)).toBe(true);
    expect(stage.retainedOffset(topics.observations, 0)).toBe(end);
    expect(stage.tick()).toEqual([]);
  });

  test('an observation that comes twice (dedup replaying its open windows) is applied once', async () => {
    const input = await observations(6, 40);
    const once = results(feed(await newStage(), input, 100));
    const replayed = [...input.slice(0, 400), ...input.slice(300, 400), ...input.slice(400)].map((m, i) => ({
      ...m,
      offset: String(i),
    }));
    const twice = results(feed(await newStage(), replayed, 100));
    expect([...twice].sort()).toEqual([...once].sort());
  });

  test('entries serialise deterministically and a pallet without state is a tombstone', () => {
    const locate = { zone: 'A', lastSeenUs: 5, recent: [], current: [1, 0.5] };
    const timers = { site: 'S', partition: 0, zone: 'A', enteredUs: 1, lastSeenUs: 5 };
    const text = encodePallet(locate, timers, { 'R2\u00001': 4, 'R1\u00001': 5 })!;
    expect(text).toBe(encodePallet(locate, timers, { 'R1\u00001': 5, 'R2\u00001': 4 }));
    expect(decodePallet(text)).toEqual({ locate, timers, seen: { 'R1\u00001': 5, 'R2\u00001': 4 } });
    expect(encodePallet(undefined, undefined, { x: 1 })).toBeUndefined();
    expect(() => decodePallet('{"l":{"zone":"A"}}')).toThrow(/pallet state/);
  });
});
