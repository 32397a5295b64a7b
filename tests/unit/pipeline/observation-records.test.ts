import { describe, expect, it } from 'vitest';
import { DedupOperator, type ReaderWindows } from '../../../pipeline/dedup/dedup-operator.js';
import { ManualClock } from '../../../runtime/clock.js';
import { MemoryStateStore } from '../../../runtime/state-store.js';
import { Observation, type TagRead } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, batch, read, smallSite } from './fixtures.js';

describe('the observations dedup emits', () => {
  it('every kind, with and without zone and RSSI, is a valid Observation record as JSON', () => {
    const op = new DedupOperator(smallSite, new ManualClock(T0), new MemoryStateStore<ReaderWindows>(), {
      allowedLatenessUs: 500_000,
    });
    const noRssi: TagRead = { epc: EPC2, antenna: 2, seenAtUs: T0 + 10, count: 3 };
    const out = [
      ...op.ingest(batch('R1', [read(EPC1, 1, T0 + 100, -61.25), noRssi, read(EPC1, 1, T0 + 900_000, -50)]), {
        partition: 0,
        offset: 0,
      }),
      // Closes the first window; the read after it is late (its window was emitted).
      ...op.ingest(batch('R1', [read(EPC1, 1, T0 + 3_000_000)]), { partition: 0, offset: 1 }),
      ...op.ingest(batch('R1', [read(EPC1, 1, T0 + 200_000, -70)]), { partition: 0, offset: 2 }),
      // An antenna outside the layout: no zone.
      ...op.ingest(batch('R9', [read(EPC2, 7, T0 + 3_100_000)]), { partition: 0, offset: 3 }),
    ];
    expect(new Set(out.map((o) => o.kind))).toEqual(new Set(['first', 'window', 'late']));
    expect(out.some((o) => o.zone === undefined)).toBe(true);
    expect(out.some((o) => o.maxRssiDbm === undefined)).toBe(true);
    for (const obs of out) {
      expect(Observation.parse(JSON.parse(JSON.stringify(obs)))).toStrictEqual(obs);
    }
  });
});
