import { describe, expect, it } from 'vitest';
import { rateBetween } from '../../../bench/pipeline/catch-up.js';

describe('rateBetween: reads per second between two counts, from 0.5 s samples', () => {
  it('interpolates the moments the count crossed each mark', () => {
    // 0 → 100 000 reads at 100 000/s, sampled every 0.5 s.
    const samples = [0, 500, 1000, 1500, 2000].map((atMs) => ({ atMs, reads: atMs * 100 }));
    // 10 000 is crossed at 100 ms, 70 000 at 700 ms: between samples both times.
    expect(rateBetween(samples, 10_000, 70_000)).toBeCloseTo(100_000, 6);
  });

  it('leaves out a slow start and a slow tail', () => {
    const samples = [
      { atMs: 0, reads: 0 },
      { atMs: 2000, reads: 0 }, // stages starting
      { atMs: 3000, reads: 50_000 },
      { atMs: 4000, reads: 100_000 },
      { atMs: 9000, reads: 110_000 }, // the last windows waiting for the idle flush
    ];
    expect(rateBetween(samples, 11_000, 77_000)).toBeCloseTo(50_000, 6);
  });

  it('is undefined when the count never reaches the upper mark', () => {
    const samples = [
      { atMs: 0, reads: 0 },
      { atMs: 500, reads: 10 },
    ];
    expect(rateBetween(samples, 1, 100)).toBeUndefined();
    expect(rateBetween([], 1, 100)).toBeUndefined();
  });
});
