import { describe, expect, it } from 'vitest';
import {
  DedupOperator,
  type DedupOptions,
  type ReaderWindows,
} from '../../../pipeline/dedup/dedup-operator.js';
import { ManualClock } from '../../../runtime/clock.js';
import { MemoryStateStore } from '../../../runtime/state-store.js';
import { Observation, type ReadBatch } from '../../../schemas/index.js';
import { deterministicId } from '../../../runtime/ids.js';
import { EPC1, EPC2, T0, batch, read, smallSite } from './fixtures.js';

function setup(options: DedupOptions = {}) {
  const clock = new ManualClock(T0);
  const op = new DedupOperator(smallSite, clock, new MemoryStateStore<ReaderWindows>(), {
    windowUs: 1_000_000,
    allowedLatenessUs: 2_000_000,
    idleFlushUs: 5_000_000,
    // The window summaries alone; first reads and clock checks have tests of their own below.
    emitFirstRead: false,
    ...options,
  });
  return { clock, op };
}

describe('DedupOperator', () => {
  it('folds repeated reads of one tag at one antenna into one observation per window', () => {
    const { op } = setup();
    expect(
      op.ingest(
        batch('R1', [
          read(EPC1, 1, T0 + 100, -60),
          read(EPC1, 1, T0 + 500_000, -50),
          read(EPC1, 1, T0 + 900_000, -55),
        ]),
        { partition: 0, offset: 0 },
      ),
    ).toEqual([]);
    // A read 3 s later moves the watermark (newest - 2 s lateness) past the first window's end.
    const out = op.ingest(batch('R1', [read(EPC1, 1, T0 + 3_000_000)]), { partition: 0, offset: 1 });
    expect(out).toHaveLength(1);
    const obs = Observation.parse(out[0]);
    expect(obs).toMatchObject({
      epc: EPC1,
      readerId: 'R1',
      antenna: 1,
      zone: 'A',
      count: 3,
      firstSeenUs: T0 + 100,
      lastSeenUs: T0 + 900_000,
      maxRssiDbm: -50,
      meanRssiDbm: -55,
    });
  });

  it('keeps antennas and tags apart and emits in event-time order', () => {
    const { op } = setup();
    op.ingest(
      batch('R1', [read(EPC2, 2, T0 + 700_000), read(EPC1, 1, T0 + 200_000), read(EPC1, 2, T0 + 300_000)]),
      { partition: 0, offset: 0 },
    );
    const out = op.ingest(batch('R1', [read(EPC1, 1, T0 + 5_000_000)]), { partition: 0, offset: 1 });
    expect(out.map((o) => [o.epc, o.antenna, o.zone])).toEqual([
      [EPC1, 1, 'A'],
      [EPC1, 2, 'B'],
      [EPC2, 2, 'B'],
    ]);
  });

  it('gives the same ids on a replay of the same input', () => {
    const run = () => {
      const { op } = setup();
      op.ingest(batch('R1', [read(EPC1, 1, T0 + 1), read(EPC2, 1, T0 + 2)]), { partition: 0, offset: 0 });
      return op
        .ingest(batch('R1', [read(EPC1, 1, T0 + 9_000_000)]), { partition: 0, offset: 1 })
        .map((o) => o.id);
    };
    const first = run();
    expect(first).toHaveLength(2);
    expect(run()).toEqual(first);
  });

  it('accepts out-of-order reads within the allowed lateness into their window', () => {
    const { op } = setup();
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 1_500_000)]), { partition: 0, offset: 0 });
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 200_000)]), { partition: 0, offset: 1 }); // 1.3 s late: allowed
    const out = op.ingest(batch('R1', [read(EPC1, 1, T0 + 4_100_000)]), { partition: 0, offset: 2 });
    expect(out.map((o) => [o.firstSeenUs, o.count])).toEqual([
      [T0 + 200_000, 1],
      [T0 + 1_500_000, 1],
    ]);
    expect(op.counters.lateReads).toBe(0);
  });

  it('emits a read later than the allowed lateness on its own instead of dropping it', () => {
    const { op } = setup();
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 10_000_000)]), { partition: 0, offset: 0 });
    const out = op.ingest(batch('R1', [read(EPC2, 1, T0 + 1_000)]), { partition: 0, offset: 1 });
    expect(op.counters.lateReads).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ epc: EPC2, count: 1, firstSeenUs: T0 + 1_000 });
  });

  it('retains the offset of the oldest open window until it is emitted', () => {
    const { op } = setup();
    op.ingest(batch('R1', [read(EPC1, 1, T0)]), { partition: 3, offset: 40 });
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 1_500_000)]), { partition: 3, offset: 41 });
    expect(op.retainedOffset(3)).toBe(40);
    expect(op.retainedOffset(4)).toBeUndefined();
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 3_100_000)]), { partition: 3, offset: 42 });
    expect(op.retainedOffset(3)).toBe(41);
  });

  it('flushes a silent reader after the idle time on the injected clock', () => {
    const { clock, op } = setup();
    op.ingest(batch('R1', [read(EPC1, 1, T0)]), { partition: 0, offset: 0 });
    clock.advance(4_999_999);
    expect(op.tick()).toEqual([]);
    clock.advance(1);
    expect(op.tick().map((o) => o.epc)).toEqual([EPC1]);
    expect(op.retainedOffset(0)).toBeUndefined();
  });

  it('holds the idle flush while no fetch confirms the silence (the broker away), then reads on into the windows', () => {
    const { clock, op } = setup();
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 100)]), { partition: 0, offset: 0 });
    // 20 s of processing time with the last handled fetch started just after the batch: Kafka away.
    clock.advance(20_000_000);
    expect(op.tick(T0 + 250_000)).toEqual([]);
    // A fetch started 4.9 s after the batch: not silent for long enough yet.
    expect(op.tick(T0 + 4_900_000)).toEqual([]);
    // Back: the reads fetched after the outage fold into the window that was waiting for them.
    const after = op.ingest(batch('R1', [read(EPC1, 1, T0 + 300)]), { partition: 0, offset: 1 });
    expect(after).toEqual([]);
    // Then a fetch started 5 s after the last batch confirms the silence: one window, both reads.
    const activityUs = clock.nowUs();
    clock.advance(6_000_000);
    expect(op.tick(activityUs + 4_999_999)).toEqual([]);
    const flushed = op.tick(activityUs + 5_000_000);
    expect(flushed.map((o) => [o.kind, o.count])).toEqual([['window', 2]]);
  });

  it('after an idle flush, a read of a flushed window is a late read of its own, never a second version of the window', () => {
    const { clock, op } = setup();
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 100), read(EPC1, 1, T0 + 200)]), { partition: 0, offset: 0 });
    clock.advance(5_000_000);
    const flushed = op.tick();
    expect(flushed.map((o) => [o.id, o.count])).toEqual([[deterministicId('obs', 'R1', 1, EPC1, T0), 2]]);
    // The partition was only behind: more reads of that window arrive.
    const after = op.ingest(batch('R1', [read(EPC1, 1, T0 + 300)]), { partition: 0, offset: 1 });
    expect(after.map((o) => [o.kind, o.count])).toEqual([['late', 1]]);
    expect(after[0]!.id).not.toBe(flushed[0]!.id);
    expect(op.retainedOffset(0)).toBeUndefined();
    // Every read counted once across what was emitted (the sink keeps one row per id).
    expect([...flushed, ...after].reduce((n, o) => n + o.count, 0)).toBe(3);
    // Newer windows open as usual.
    op.ingest(batch('R1', [read(EPC1, 1, T0 + 2_100_000)]), { partition: 0, offset: 2 });
    expect(op.retainedOffset(0)).toBe(2);
  });

  it('emits the first read of a tag at once, then the window summary that includes it', () => {
    const { op } = setup({ emitFirstRead: true, firstReadGapUs: 5_000_000 });
    const first = op.ingest(batch('R1', [read(EPC1, 1, T0 + 100, -60), read(EPC1, 1, T0 + 500_000, -50)]), {
      partition: 0,
      offset: 0,
    });
    expect(first).toHaveLength(1);
    expect(Observation.parse(first[0])).toMatchObject({
      id: deterministicId('obs', 'R1', 1, EPC1, T0),
      count: 1,
      firstSeenUs: T0 + 100,
      lastSeenUs: T0 + 100,
      meanRssiDbm: -60,
    });
    // Duplicates of a tag already in view are not first reads.
    expect(op.ingest(batch('R1', [read(EPC1, 1, T0 + 1_200_000)]), { partition: 0, offset: 1 })).toEqual([]);
    const summaries = op.ingest(batch('R1', [read(EPC1, 1, T0 + 3_500_000)]), { partition: 0, offset: 2 });
    // The watermark (3.5 s − 2 s lateness) closes the first window only.
    expect(summaries.map((o) => [o.id, o.count])).toEqual([[deterministicId('obs', 'R1', 1, EPC1, T0), 2]]);
  });

  it('by default emits the first read of every window at once, once, and out-of-order reads of an open window not again', () => {
    const { op } = setup({ emitFirstRead: true });
    const firsts = (b: ReadBatch, offset: number) =>
      op
        .ingest(b, { partition: 0, offset })
        .filter((o) => o.id.length > 0 && o.count === 1 && o.firstSeenUs === o.lastSeenUs);
    expect(
      firsts(batch('R1', [read(EPC1, 1, T0 + 300_000), read(EPC1, 1, T0 + 300_100)]), 0).map((o) => o.id),
    ).toEqual([deterministicId('obs', 'R1', 1, EPC1, T0)]);
    // Next window: its opening read is emitted; an out-of-order read into the first window is not.
    expect(
      firsts(batch('R1', [read(EPC1, 1, T0 + 1_300_000), read(EPC1, 1, T0 + 200_000)]), 1).map((o) => o.id),
    ).toEqual([deterministicId('obs', 'R1', 1, EPC1, T0 + 1_000_000)]);
    // A duplicate batch (the same reads again) opens nothing new.
    expect(firsts(batch('R1', [read(EPC1, 1, T0 + 1_300_000)]), 2)).toEqual([]);
  });

  it('says which kind each observation is, as its id does: first read, window summary, late read', () => {
    const { op } = setup({ emitFirstRead: true });
    const out = [
      ...op.ingest(batch('R1', [read(EPC1, 1, T0 + 300_000), read(EPC1, 1, T0 + 600_000)]), {
        partition: 0,
        offset: 0,
      }),
      // Closes the first window (watermark 3.5 s − 2 s lateness) and opens another.
      ...op.ingest(batch('R1', [read(EPC1, 1, T0 + 3_500_000)]), { partition: 0, offset: 1 }),
      // Its window is long closed: a late read.
      ...op.ingest(batch('R1', [read(EPC1, 1, T0 + 100_000)]), { partition: 0, offset: 2 }),
    ];
    const kinds = out.map((o) => [o.kind, o.id]);
    expect(kinds).toEqual([
      // A first read carries its window's id: the summary is the same observation, final.
      ['first', deterministicId('obs', 'R1', 1, EPC1, T0)],
      ['first', deterministicId('obs', 'R1', 1, EPC1, T0 + 3_000_000)],
      ['window', deterministicId('obs', 'R1', 1, EPC1, T0)],
      ['late', deterministicId('late', 'R1', 1, EPC1, T0 + 100_000, 0, 2)],
    ]);
    for (const o of out) expect(Observation.parse(o)).toEqual(o);
  });

  it('treats a tag back in view after the gap as a first read again, and a duplicate as none', () => {
    const { op } = setup({ emitFirstRead: true, firstReadGapUs: 5_000_000 });
    const firsts = (b: ReadBatch, offset: number) =>
      op.ingest(b, { partition: 0, offset }).filter((o) => o.firstSeenUs === o.lastSeenUs && o.count === 1);
    expect(firsts(batch('R1', [read(EPC1, 1, T0), read(EPC1, 1, T0 + 50)]), 0)).toHaveLength(1);
    expect(firsts(batch('R1', [read(EPC1, 1, T0 + 4_000_000)]), 1)).toHaveLength(0);
    const back = firsts(batch('R1', [read(EPC1, 1, T0 + 10_000_000)]), 2);
    expect(back.map((o) => o.id)).toContain(deterministicId('obs', 'R1', 1, EPC1, T0 + 10_000_000));
  });

  it('corrects a reader clock running 2 s ahead of the broker, so its windows land where they belong', () => {
    const { op } = setup({ allowedLatenessUs: 0 });
    const skewUs = 2_000_000;
    const out = [];
    for (let i = 0; i < 8; i++) {
      // Made at i + 0.5 s, sent 100 ms later, stamped 2 s ahead by the reader.
      const madeUs = T0 + i * 1_000_000 + 500_000;
      const b = { ...batch('R1', [read(EPC1, 1, madeUs + skewUs)]), sentAtUs: madeUs + 100_000 };
      out.push(...op.ingest(b, { partition: 0, offset: i }));
    }
    expect(op.counters.clockCorrectedReads).toBeGreaterThan(0);
    expect(out.length).toBeGreaterThanOrEqual(6);
    // Once corrected, a read is placed in the second it was really made (no later than it was sent).
    for (const obs of out) {
      const intoSecondUs = (obs.firstSeenUs - T0) % 1_000_000;
      expect(intoSecondUs).toBeGreaterThanOrEqual(500_000);
      expect(intoSecondUs).toBeLessThanOrEqual(600_000);
    }
  });

  it('leaves a replay of queued batches alone (old reads, shrinking offset) but corrects a steady lag', () => {
    const replay = setup({ allowedLatenessUs: 0 }).op;
    for (let i = 0; i < 8; i++) {
      // Reads 60 s old at first, catching up 7 s per batch: a disk queue draining.
      const b = {
        ...batch('R1', [read(EPC1, 1, T0 + i * 8_000_000)]),
        sentAtUs: T0 + 60_000_000 + i * 1_000_000,
      };
      replay.ingest(b, { partition: 0, offset: i });
    }
    expect(replay.counters.clockCorrectedReads).toBe(0);

    const steady = setup({ allowedLatenessUs: 0 }).op;
    for (let i = 0; i < 8; i++) {
      const b = {
        ...batch('R1', [read(EPC1, 1, T0 + i * 1_000_000)]),
        sentAtUs: T0 + i * 1_000_000 + 3_000_000,
      };
      steady.ingest(b, { partition: 0, offset: i });
    }
    expect(steady.counters.clockCorrectedReads).toBeGreaterThan(0);
  });

  it('rejects a read whose reader clock jumped far ahead, with a code and a reason, and keeps going', () => {
    const { op } = setup();
    const b = { ...batch('R1', [read(EPC1, 1, T0 + 3_600_000_000), read(EPC2, 1, T0)]), sentAtUs: T0 };
    op.ingest(b, { partition: 0, offset: 7 });
    const rejected = op.drainRejected();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ code: 'BT_READER_CLOCK_AHEAD', readerId: 'R1', from: { offset: 7 } });
    expect(rejected[0]!.read.epc).toBe(EPC1);
    expect(rejected[0]!.reason).toMatch(/clock/);
    expect(op.drainRejected()).toEqual([]);
    expect(op.counters.clockRejectedReads).toBe(1);
    clockFlush(op);
  });
});

/** The accepted read of the batch above still becomes an observation. */
function clockFlush(op: DedupOperator): void {
  const out = op.ingest(batch('R1', [read(EPC2, 2, T0 + 9_000_000)]), { partition: 0, offset: 8 });
  expect(out.map((o) => o.epc)).toContain(EPC2);
}
