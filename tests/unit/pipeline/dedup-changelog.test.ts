import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DedupStage } from '../../../pipeline/dedup/dedup-stage.js';
import type { OutputRecord } from '../../../pipeline/runtime/stage.js';
import { ManualClock } from '../../../runtime/clock.js';
import { createLogger } from '../../../runtime/logger.js';
import { kafkaTopics, type ReadBatch } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, batch, read, smallSite } from './fixtures.js';

const topics = kafkaTopics('unit');
const STATE = 'unit.dedup-state.v1';

function message(value: ReadBatch, offset: number): KafkaMessage {
  return {
    key: Buffer.from(value.readerId),
    value: Buffer.from(JSON.stringify(value)),
    offset: String(offset),
    timestamp: String(Math.floor(T0 / 1000)),
    attributes: 0,
    headers: {},
  };
}

function newStage(clock: ManualClock): DedupStage {
  return new DedupStage(topics, 'g', smallSite, clock, { stateTopic: STATE, log: createLogger('test') });
}

/** 40 batches of two readers: reads every 250 ms, duplicates, one out-of-order read, one skewed reader. */
function input(): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  for (let i = 0; i < 40; i++) {
    const atUs = T0 + i * 250_000;
    const r1 = batch('R1', [
      read(EPC1, 1, atUs, -55),
      read(EPC1, 1, atUs + 100, -56),
      read(EPC2, 2, atUs, -65),
    ]);
    // R2 runs 1.5 s ahead of the broker; every 7th batch carries a read 1.2 s late.
    const r2reads = [read(EPC2, 1, atUs + 1_500_000, -44)];
    if (i % 7 === 6) r2reads.push(read(EPC1, 2, atUs + 300_000, -60));
    const r2 = { ...batch('R2', r2reads), sentAtUs: atUs + 50_000 };
    out.push(message({ ...r1, sentAtUs: atUs + 50_000 }, 2 * i), message(r2, 2 * i + 1));
  }
  return out;
}

const outputs = (records: OutputRecord[]) => records.filter((r) => r.topic !== STATE).map((r) => r.value);
const observations = (records: OutputRecord[]) =>
  records.filter((r) => r.topic === topics.observations).map((r) => r.value);

describe('DedupStage changelog', () => {
  it('a worker restored from the changelog emits exactly what the uninterrupted one does, skipping what it held', () => {
    const all = input();
    const cut = 31; // mid-window, mid-watermark: open windows, first-read memory and clock samples in flight

    const uninterruptedClock = new ManualClock(T0);
    const uninterrupted = newStage(uninterruptedClock);
    uninterrupted.handleBatch(topics.reads, 0, all.slice(0, cut));
    const tail = outputs(uninterrupted.handleBatch(topics.reads, 0, all.slice(cut)));
    expect(tail.length).toBeGreaterThan(0);

    const crashed = newStage(new ManualClock(T0));
    const changelog = crashed
      .handleBatch(topics.reads, 0, all.slice(0, cut))
      .filter((r) => r.topic === STATE)
      .map((r) => ({ key: r.key, value: r.tombstone ? null : Buffer.from(r.value) }));
    expect(changelog.at(-1)!.key).toBe('~partition');

    const restoredClock = new ManualClock(T0 + 60_000_000);
    const restored = newStage(restoredClock);
    restored.changelog!.restore(0, changelog);
    // The new owner starts from an older committed offset: the head is skipped, the tail matches.
    const replay = outputs(restored.handleBatch(topics.reads, 0, all.slice(cut - 5)));
    expect(restored.skippedReplays).toBe(5);
    expect(replay).toEqual(tail);
    // An idle flush after the restore closes the same windows as the uninterrupted worker's.
    const later = T0 + 3_600_000_000;
    uninterruptedClock.set(later);
    restoredClock.set(later + 60_000_000);
    const flushed = observations(restored.tick());
    expect(flushed.length).toBeGreaterThan(0);
    expect(flushed).toEqual(observations(uninterrupted.tick()));
  });

  it('changes left unwritten when the input pauses are written by the tick once the interval has passed, releasing the commit', () => {
    const clock = new ManualClock(T0);
    const stage = newStage(clock);
    const all = input();
    stage.handleBatch(topics.reads, 0, all.slice(0, 2)); // the first batch writes at once
    // A backlog: 3.5 s of event time handled in 0.28 s, so no write and the commit stays at 2, though
    // the windows that held those reads have long closed.
    for (let offset = 2; offset < 30; offset += 2) {
      clock.advance(20_000);
      const out = stage.handleBatch(topics.reads, 0, all.slice(offset, offset + 2));
      expect(out.some((r) => r.topic === STATE)).toBe(false);
    }
    expect(stage.retainedOffset(topics.reads, 0)).toBe(2);
    const held = stage.operator.retainedOffset(0)!;
    expect(held).toBeGreaterThan(2);
    // Within the interval the tick writes nothing; past it, the pending changes and the offset.
    expect(stage.tick().some((r) => r.topic === STATE)).toBe(false);
    clock.advance(1_000_000);
    const written = stage.tick().filter((r) => r.topic === STATE);
    expect(written.at(-1)).toMatchObject({ key: '~partition', segmentEnd: true });
    expect(JSON.parse(written.at(-1)!.value)).toMatchObject({ nextOffset: 30 });
    expect(stage.retainedOffset(topics.reads, 0)).toBe(held);
  });

  it('refuses an entry of another version with its reason and restores the rest', () => {
    const stage = newStage(new ManualClock(T0));
    stage.changelog!.restore(0, [
      { key: 'R1', value: Buffer.from('{"v":9}') },
      { key: '~partition', value: Buffer.from('{"v":1,"nextOffset":4}') },
    ]);
    const out = stage.handleBatch(topics.reads, 0, input().slice(0, 6));
    expect(stage.skippedReplays).toBe(4);
    expect(out.some((r) => r.topic === topics.observations)).toBe(true);
  });
});
