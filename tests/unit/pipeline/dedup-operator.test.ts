import { describe, expect, it } from 'vitest';
import { DedupOperator, type ReaderWindows } from '../../../pipeline/dedup/dedup-operator.js';
import { ManualClock } from '../../../runtime/clock.js';
import { MemoryStateStore } from '../../../runtime/state-store.js';
import { Observation } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, batch, read, smallSite } from './fixtures.js';

function setup() {
  const clock = new ManualClock(T0);
  const op = new DedupOperator(smallSite, clock, new MemoryStateStore<ReaderWindows>(), {
    windowUs: 1_000_000,
    allowedLatenessUs: 2_000_000,
    idleFlushUs: 5_000_000,
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
});
