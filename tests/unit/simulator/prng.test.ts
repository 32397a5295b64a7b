import { describe, expect, it } from 'vitest';
import { Prng } from '../../../simulators/prng.js';

describe('Prng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const draw = (seed: number): number[] => {
      const prng = new Prng(seed);
      return Array.from({ length: 100 }, () => prng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('stays in range and is roughly uniform', () => {
    const prng = new Prng(1);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = prng.next();
      if (!(x >= 0 && x < 1)) outside++;
      else buckets[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const n = prng.int(3, 5);
      expect([3, 4, 5]).toContain(n);
    }
  });

  it('draws normal deviates with the asked mean and spread', () => {
    const prng = new Prng(2);
    const xs = Array.from({ length: 50_000 }, () => prng.normal(-55, 3));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(-55, 1);
    expect(sd).toBeCloseTo(3, 1);
  });

  it('forks streams that depend on seed and label only, not on draws made before', () => {
    const a = new Prng(9);
    const b = new Prng(9);
    b.next();
    b.next();
    expect(a.fork('rf').next()).toBe(b.fork('rf').next());
    expect(a.fork('rf').next()).not.toBe(a.fork('flow').next());
  });

  it('refuses a seed that is not an integer', () => {
    expect(() => new Prng(1.5)).toThrow(/integer/);
  });
});
