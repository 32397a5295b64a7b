import { describe, expect, it } from 'vitest';
import { Gen2SessionModel, Prng, TEST_PROFILE, type Gen2Session } from '../../../simulators/index.js';

const EPC = '31D5A537C8B2D791FC000000';
const MS = 1000;

/** Power the tag every `everyMs` from 0 to `untilMs`, reading it whenever it answers; answer times in ms. */
function answers(session: Gen2Session, everyMs: number, untilMs: number, skip?: [number, number]): number[] {
  const model = new Gen2SessionModel(session, TEST_PROFILE.rf, new Prng(3));
  const out: number[] = [];
  for (let t = 0; t <= untilMs; t += everyMs) {
    if (skip && t >= skip[0] && t < skip[1]) continue; // out of the field: not powered
    if (model.powered(EPC, t * MS)) {
      model.inventoried(EPC, t * MS);
      out.push(t);
    }
  }
  return out;
}

describe('Gen2 session model', () => {
  it('S0: a tag in the field answers every round', () => {
    expect(answers('S0', 200, 10_000)).toHaveLength(51);
  });

  it('S1: a tag answers again after a persistence of 0.5 to 5 s, powered or not', () => {
    const times = answers('S1', 100, 60_000);
    expect(times.length).toBeGreaterThan(60_000 / 5_000);
    expect(times.length).toBeLessThan(60_000 / 500);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5_100);
  });

  it('S2 and S3: a tag powered every second answers once; again only after > 2 s without power', () => {
    for (const session of ['S2', 'S3'] as const) {
      expect(answers(session, 1_000, 60_000)).toEqual([0]);
      // Out of the field for 3 s (no power from 10 s to 13 s): answers again when back.
      expect(answers(session, 1_000, 60_000, [10_000, 13_000])).toEqual([0, 13_000]);
      // Out for 1.5 s only: the flag persisted.
      expect(answers(session, 500, 60_000, [10_000, 11_500])).toEqual([0]);
    }
  });
});
