import { describe, expect, it } from 'vitest';
import { judgePassage, type PortalRead } from '../../../pipeline/locate/portal-passage.js';
import { T0 } from './fixtures.js';

const S = 1_000_000;
const MARGIN_DB = 12;
const inner = (atS: number, peakDbm: number): PortalRead => ({ inner: true, firstUs: T0 + atS * S, peakDbm });
const outer = (atS: number, peakDbm: number): PortalRead => ({
  inner: false,
  firstUs: T0 + atS * S,
  peakDbm,
});

/** Every order of the list (small lists only). */
function permutations<T>(list: readonly T[]): T[][] {
  if (list.length <= 1) return [[...list]];
  return list.flatMap((x, i) =>
    permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

describe('judgePassage', () => {
  it('is undecided until both sides have a strong window, then goes from the side read strongly first', () => {
    expect(judgePassage([], MARGIN_DB, S)).toBeUndefined();
    expect(judgePassage([outer(0, -52), outer(1, -44)], MARGIN_DB, S)).toBeUndefined();
    expect(judgePassage([outer(0, -52), outer(1, -44), inner(3, -46)], MARGIN_DB, S)).toEqual({
      direction: 'IN',
      atUs: T0 + 3 * S,
      confidence: 1,
    });
  });

  it('does not count the far side’s weak early window, whatever order the windows arrive in', () => {
    // Going OUT: the outer side catches one weak read across the portal while the inner reads it strongly.
    const reads = [outer(0, -70), inner(0.2, -50), inner(1.2, -42), outer(3, -45)];
    for (const order of permutations(reads)) {
      expect(judgePassage(order, MARGIN_DB, S)).toEqual({
        direction: 'OUT',
        atUs: T0 + 3 * S,
        confidence: 0.75,
      });
    }
  });

  // Issue 5, seed 1 (GATE-N, t = 625 s): one read of the far side 8 dB above any other pushed every
  // window of the near side out of the margin after the fact; the crossing was never emitted.
  it('is not left undecided by one window far above the rest on the far side', () => {
    const reads = [
      outer(-2.9, -52.5),
      outer(-2.2, -38.8),
      outer(-1.7, -44.6),
      inner(0, -49.5),
      inner(0.8, -30.6),
    ];
    // Even with the former 8 dB margin: the near side's windows are judged against what came up to them.
    expect(judgePassage(reads, 8, S)).toMatchObject({ direction: 'IN', atUs: T0 + 0.8 * S });
    expect(judgePassage(reads, MARGIN_DB, S)).toMatchObject({ direction: 'IN', atUs: T0 + 0.8 * S });
  });

  // Issue 5, seed 2 (GATE-N, t = 336 s): the near side's outlier (-33 dBm) kept the far side's
  // windows (-41…-43 dBm) out of an 8 dB margin for the whole passage.
  it('is not left undecided by one window far above the rest on the near side', () => {
    const reads = [
      outer(-2.4, -48.8),
      outer(-1.8, -33.1),
      outer(-0.7, -51.3),
      inner(0.6, -45.5),
      inner(1, -42),
    ];
    expect(judgePassage(reads, 8, S)).toBeUndefined();
    expect(judgePassage(reads, MARGIN_DB, S)).toMatchObject({ direction: 'IN', atUs: T0 + S });
  });

  it('judges a passage the same whatever the clock of its reader reads (skew moves only atUs)', () => {
    const reads = [outer(0, -70), inner(0.2, -50), inner(1.2, -42), outer(3, -45)];
    const skewed = reads.map((r) => ({ ...r, firstUs: r.firstUs + 2 * S }));
    expect(judgePassage(skewed, MARGIN_DB, S)).toEqual({
      ...judgePassage(reads, MARGIN_DB, S),
      atUs: T0 + 5 * S,
    });
  });
});
