import { describe, expect, it } from 'vitest';
import { mergeByTime } from '../../../pipeline/runtime/time-merge.js';

interface Item {
  id: string;
  t?: number;
}

const merge = (sources: Item[][]): string[] => mergeByTime(sources, (i) => i.t).map((i) => i.id);

describe('mergeByTime', () => {
  it('interleaves sources by time, ties to the lower source', () => {
    expect(
      merge([
        [
          { id: 'a1', t: 1 },
          { id: 'a3', t: 3 },
          { id: 'a5', t: 5 },
        ],
        [
          { id: 'b2', t: 2 },
          { id: 'b3', t: 3 },
        ],
        [],
        [{ id: 'd0', t: 0 }],
      ]),
    ).toEqual(['d0', 'a1', 'b2', 'a3', 'b3', 'a5']);
  });

  it("keeps each source's order when its times are not in order (a backlog sent late)", () => {
    const out = merge([
      [
        { id: 'a10', t: 10 },
        { id: 'a2-late', t: 2 },
        { id: 'a11', t: 11 },
      ],
      [
        { id: 'b1', t: 1 },
        { id: 'b5', t: 5 },
        { id: 'b12', t: 12 },
      ],
    ]);
    expect(out).toEqual(['b1', 'b5', 'a10', 'a2-late', 'a11', 'b12']);
  });

  it('takes an item without a time right after its predecessor', () => {
    expect(
      merge([
        [{ id: 'a1', t: 1 }, { id: 'a-bad' }, { id: 'a9', t: 9 }],
        [
          { id: 'b0', t: 0 },
          { id: 'b4', t: 4 },
        ],
      ]),
    ).toEqual(['b0', 'a1', 'a-bad', 'b4', 'a9']);
  });

  it('holds every item once and every source as a subsequence, whatever the times', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const sources: Item[][] = Array.from({ length: 5 }, (_, s) =>
      Array.from({ length: 40 + s * 7 }, (_, i) => ({
        id: `${s}:${i}`,
        t: random() < 0.1 ? undefined : Math.floor(random() * 100),
      })),
    );
    const out = mergeByTime(sources, (i) => i.t);
    expect(out).toHaveLength(sources.reduce((n, s) => n + s.length, 0));
    expect(new Set(out).size).toBe(out.length);
    for (const [s, source] of sources.entries())
      expect(out.filter((i) => i.id.startsWith(`${s}:`))).toEqual(source);
  });

  it('leaves its inputs untouched', () => {
    const sources = [[{ id: 'a', t: 2 }], [{ id: 'b', t: 1 }]];
    const copy = structuredClone(sources);
    mergeByTime(sources, (i) => i.t);
    expect(sources).toEqual(copy);
  });
});
