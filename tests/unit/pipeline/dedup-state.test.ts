import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DedupChangelog } from '../../../pipeline/dedup/dedup-changelog.js';
import type { ReaderWindows } from '../../../pipeline/dedup/dedup-operator.js';
import { DedupStage, type DedupStageOptions } from '../../../pipeline/dedup/dedup-stage.js';
import {
  DEDUP_META_KEY,
  LAST_SEEN_BUCKETS,
  decodeWindows,
  encodeWindows,
  lastSeenBucket,
  parseStateKey,
} from '../../../pipeline/dedup/dedup-state.js';
import type { OutputRecord } from '../../../pipeline/runtime/stage.js';
import { ManualClock } from '../../../runtime/clock.js';
import { createLogger } from '../../../runtime/logger.js';
import { kafkaTopics, type ReadBatch, type TagRead } from '../../../schemas/index.js';
import { T0, smallSite } from './fixtures.js';

const topics = kafkaTopics('unit');
const STATE = 'unit.dedup-state.v1';
type Entry = { key: string; value: Buffer | null };

const epc = (i: number) => `3178E61C8839${i.toString(16).toUpperCase().padStart(12, '0')}`;

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

/**
 * Batches 100 ms apart of `perBatch` reads per reader cycling over `tags` tags on two antennas (RSSI
 * varies, every 5th read has none); `drift` tags leave and as many arrive per batch, so first-read
 * memory forgets some. With 1 s windows and 0.5 s lateness 2–3 starts stay open.
 */
function flood(
  readers: string[],
  tags: number,
  batches: number,
  perBatch: number,
  drift = 0,
): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  let offset = 0;
  for (let b = 0; b < batches; b++) {
    for (const readerId of readers) {
      const atUs = T0 + b * 100_000;
      const reads: TagRead[] = [];
      for (let i = 0; i < perBatch; i++) {
        const tag = b * drift + ((b * perBatch + i) % tags);
        const read: TagRead = { epc: epc(tag), antenna: 1 + (tag % 2), seenAtUs: atUs + i, count: 1 };
        if (i % 5 !== 0) read.rssiDbm = -50 - ((b + i) % 17) / 10;
        reads.push(read);
      }
      const value: ReadBatch = {
        v: 1,
        site: 'T1',
        readerId,
        source: 'serial',
        batchId: `${readerId}:boot:${b}`,
        seq: b,
        sentAtUs: atUs + perBatch + 20_000,
        reads,
      };
      out.push(message(value, offset++));
    }
  }
  return out;
}

/** Writes the changelog after every call unless `changelogIntervalUs` says otherwise. */
function newStage(clock: ManualClock, options: DedupStageOptions = {}): DedupStage {
  return new DedupStage(topics, 'g', smallSite, clock, {
    stateTopic: STATE,
    log: createLogger('test'),
    changelogIntervalUs: 0,
    ...options,
  });
}

const changelogOf = (records: OutputRecord[]): Entry[] =>
  records
    .filter((r) => r.topic === STATE)
    .map((r) => ({ key: r.key, value: r.tombstone ? null : Buffer.from(r.value) }));

/** What log compaction leaves: the last record of each key, tombstones dropped, in offset order. */
function compact(entries: Entry[]): Entry[] {
  const last = new Map<string, number>();
  entries.forEach((e, i) => last.set(e.key, i));
  return entries.filter((e, i) => last.get(e.key) === i && e.value !== null);
}

/** A reader's state without its processing-time activity (not in the changelog by design). */
function stateOf(
  stage: DedupStage,
  readerIds: string[],
): Record<string, Omit<ReaderWindows, 'lastActivityUs'>> {
  const out: Record<string, Omit<ReaderWindows, 'lastActivityUs'>> = {};
  for (const id of readerIds) {
    const { lastActivityUs: _, ...rest } = stage.operator.reader(id)!;
    out[id] = rest;
  }
  return out;
}

describe('dedup changelog format 2', () => {
  it('round-trips windows, including a missing RSSI', () => {
    const w = {
      epc: epc(7),
      antenna: 3,
      startUs: T0,
      firstSeenUs: T0 + 1,
      lastSeenUs: T0 + 999_999,
      count: 12,
      maxRssiDbm: undefined,
      rssiSum: -551.1000000000001,
      rssiWeight: 10,
      minOffset: 42,
    };
    expect(decodeWindows(encodeWindows([w, { ...w, maxRssiDbm: -50.5 }]), T0)).toEqual([
      [`3\u0000${epc(7)}`, w],
      [`3\u0000${epc(7)}`, { ...w, maxRssiDbm: -50.5 }],
    ]);
  });

  it('parses its keys and refuses others', () => {
    expect(parseStateKey('~partition')).toEqual({ kind: 'meta' });
    expect(parseStateKey('R-1.a')).toEqual({ kind: 'reader', readerId: 'R-1.a' });
    expect(parseStateKey(`R1/w/${T0}/3`)).toEqual({ kind: 'windows', readerId: 'R1', startUs: T0, seq: 3 });
    expect(parseStateKey('R1/l/1023')).toEqual({ kind: 'lastSeen', readerId: 'R1', bucket: 1023 });
    for (const bad of ['R1/l/1024', 'R1/w/x/1', 'R1/w/1', '/w/1/1', 'R1/q/1'])
      expect(parseStateKey(bad)).toBeUndefined();
    expect(lastSeenBucket('1\u0000ABC')).toBe(lastSeenBucket('1\u0000ABC'));
    expect(lastSeenBucket('1\u0000ABC')).toBeLessThan(LAST_SEEN_BUCKETS);
  });

  for (const [name, options] of [
    ['first read per window (default)', {}],
    ['first-read memory (firstReadGapUs 0.5 s)', { firstReadGapUs: 500_000 }],
  ] as const) {
    it(`restores exactly what it held, raw or compacted, for readers with thousands of tags: ${name}`, () => {
      const readers = ['R1', 'R2'];
      // 6,000 tags per reader, 600 reads per batch: each 1 s window holds all of them.
      const input = flood(readers, 6_000, 24, 600, 100);
      const clock = new ManualClock(T0);
      const stage = newStage(clock, options);
      const log: Entry[] = [];
      let maxRecord = 0;
      for (let i = 0; i < input.length; i += 3) {
        const records = stage.handleBatch(topics.reads, 0, input.slice(i, i + 3));
        for (const r of records) if (r.topic === STATE) maxRecord = Math.max(maxRecord, r.value.length);
        log.push(...changelogOf(records));
        if (i === 30) {
          // Mid-stream: restoring what is written so far gives the state held now.
          const mid = newStage(new ManualClock(T0));
          mid.changelog!.restore(0, compact(log));
          expect(stateOf(mid, readers)).toEqual(stateOf(stage, readers));
        }
      }
      const held = stateOf(stage, readers);
      expect(held.R1!.windows.size).toBeGreaterThanOrEqual(2);
      expect(stage.operator.openWindowCount).toBeGreaterThan(2 * 6_000);
      if (options.firstReadGapUs) expect(held.R1!.lastSeen!.size).toBeGreaterThan(5_000);
      // The whole state of one reader is over 1 MB as JSON; no record comes near.
      expect(
        JSON.stringify([...held.R1!.windows.values()].map((m) => [...m.values()])).length,
      ).toBeGreaterThan(1_000_000);
      expect(maxRecord).toBeLessThan(200_000);

      for (const entries of [log, compact(log)]) {
        const restored = newStage(new ManualClock(T0 + 60_000_000), options);
        restored.changelog!.restore(0, entries);
        expect(stateOf(restored, readers)).toEqual(held);
      }

      // Flushed windows leave nothing behind: after an idle flush only headers, buckets and meta remain.
      clock.set(T0 + 3_600_000_000);
      const flushed = stage.tick();
      log.push(...changelogOf(flushed));
      const left = compact(log).map((e) => parseStateKey(e.key)!.kind);
      expect(left).not.toContain('windows');
      const restored = newStage(new ManualClock(T0), options);
      restored.changelog!.restore(0, compact(log));
      expect(stateOf(restored, readers)).toEqual(stateOf(stage, readers));
    });
  }

  it('a restored worker goes on writing deltas that restore exactly (numbering continues)', () => {
    const readers = ['R1', 'R2'];
    const input = flood(readers, 300, 30, 50, 20);
    const options = { firstReadGapUs: 700_000 };
    const first = newStage(new ManualClock(T0), options);
    const log = changelogOf(first.handleBatch(topics.reads, 0, input.slice(0, 25)));
    const second = newStage(new ManualClock(T0), options);
    second.changelog!.restore(0, compact(log));
    for (let i = 25; i < input.length; i += 4)
      log.push(...changelogOf(second.handleBatch(topics.reads, 0, input.slice(i, i + 4))));
    const uninterrupted = newStage(new ManualClock(T0), options);
    uninterrupted.handleBatch(topics.reads, 0, input);
    expect(stateOf(second, readers)).toEqual(stateOf(uninterrupted, readers));
    const third = newStage(new ManualClock(T0), options);
    third.changelog!.restore(0, compact(log));
    expect(stateOf(third, readers)).toEqual(stateOf(uninterrupted, readers));
  });

  it('cuts a large fetch into segments, each ending with the partition offset it includes', () => {
    const input = flood(['R1'], 5_000, 20, 1_000);
    const records = newStage(new ManualClock(T0)).handleBatch(topics.reads, 0, input);
    const state = records.filter((r) => r.topic === STATE);
    const ends = state.filter((r) => r.segmentEnd);
    expect(ends.length).toBeGreaterThan(3);
    expect(ends.every((r) => r.key === DEDUP_META_KEY)).toBe(true);
    expect(state.at(-1)!.segmentEnd).toBe(true);
    let bytes = 0;
    let largest = 0;
    for (const r of state) {
      bytes += r.key.length + r.value.length;
      if (r.segmentEnd) {
        largest = Math.max(largest, bytes);
        bytes = 0;
      }
    }
    // 512 KB target plus at most one input record's share.
    expect(largest).toBeLessThan(1024 * 1024);
    const offsets = ends.map((r) => (JSON.parse(r.value) as { nextOffset: number }).nextOffset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets.at(-1)).toBe(input.length);
  });

  it('written once a second, it holds commits back to the last write: a crash anywhere replays to the same state', () => {
    const readers = ['R1', 'R2'];
    // A backlog: 100 ms of reads per call, 20 ms of processing time each, so windows close (and
    // the oldest held offset moves on) between writes.
    const input = flood(readers, 300, 120, 60, 10);
    const options = { firstReadGapUs: 400_000, changelogIntervalUs: 1_000_000 };
    const uninterrupted = newStage(new ManualClock(T0), options);
    uninterrupted.handleBatch(topics.reads, 0, input);
    const clock = new ManualClock(T0);
    const stage = newStage(clock, options);
    const log: Entry[] = [];
    let writes = 0;
    for (let i = 0; i < input.length; i += 2) {
      clock.set(T0 + i * 10_000);
      const records = stage.handleBatch(topics.reads, 0, input.slice(i, i + 2));
      const state = changelogOf(records);
      if (state.length > 0) writes++;
      log.push(...state);
      // What the runner would commit now; a crash here restores the log and replays from there.
      const committed = Math.min(stage.retainedOffset(topics.reads, 0) ?? i + 2, i + 2);
      const lastWrite = log.filter((e) => e.key === DEDUP_META_KEY).at(-1)!;
      expect(committed).toBeLessThanOrEqual(
        (JSON.parse(lastWrite.value!.toString()) as { nextOffset: number }).nextOffset,
      );
      if (i % 12 !== 0) continue;
      const replacement = newStage(new ManualClock(T0), options);
      replacement.changelog!.restore(0, compact(log));
      replacement.handleBatch(topics.reads, 0, input.slice(committed));
      expect(stateOf(replacement, readers)).toEqual(stateOf(uninterrupted, readers));
    }
    expect(writes).toBeGreaterThan(2);
    expect(writes).toBeLessThan(input.length / 2 / 5);
  });

  it('reads format 1 (one entry per reader) and rewrites such a reader whole in format 2', () => {
    const readers = ['R1', 'R2'];
    const input = flood(readers, 400, 20, 80, 30);
    const options = { firstReadGapUs: 300_000 };
    const source = newStage(new ManualClock(T0), options);
    source.handleBatch(topics.reads, 0, input.slice(0, 20));
    // Format 1, as the previous release wrote it.
    const v1: Entry[] = readers.map((id) => {
      const r = source.operator.reader(id)!;
      const entry = {
        v: 1,
        site: r.site,
        maxEventUs: r.maxEventUs,
        windows: [...r.windows.entries()].map(([start, m]) => [start, [...m.entries()]]),
        lastSeen: [...r.lastSeen!.entries()],
        clock: r.clock,
      };
      return { key: id, value: Buffer.from(JSON.stringify(entry)) };
    });
    v1.push({ key: DEDUP_META_KEY, value: Buffer.from('{"v":1,"nextOffset":20}') });

    const upgraded = newStage(new ManualClock(T0), options);
    upgraded.changelog!.restore(0, v1);
    expect(stateOf(upgraded, readers)).toEqual(stateOf(source, readers));
    const log = [...v1, ...changelogOf(upgraded.handleBatch(topics.reads, 0, input.slice(20, 24)))];
    source.handleBatch(topics.reads, 0, input.slice(20, 24));
    for (const entries of [log, compact(log)]) {
      const again = newStage(new ManualClock(T0), options);
      again.changelog!.restore(0, entries);
      expect(stateOf(again, readers)).toEqual(stateOf(source, readers));
    }
  });

  it('skips an entry it cannot read and names it', () => {
    const changes = new DedupChangelog(STATE);
    const restored = changes.restore(
      0,
      [
        { key: 'R1', value: Buffer.from('{"v":9}') },
        { key: 'R1/w/5/0', value: Buffer.from('{"v":2,"w":[[1]]}') },
        { key: 'R1/x', value: Buffer.from('{}') },
        { key: DEDUP_META_KEY, value: Buffer.from('{"v":2,"nextOffset":7}') },
      ],
      T0,
    );
    expect(restored.nextOffset).toBe(7);
    expect(restored.readers.size).toBe(0);
    expect(restored.bad.map((b) => b.key)).toEqual(['R1', 'R1/w/5/0', 'R1/x']);
    expect(restored.bad[0]!.reason).toMatch(/version 9, expected 2/);
  });
});
