import { describe, expect, it } from 'vitest';
import { StageMonitor, sampleEveryMs, steadyWindow } from '../../../bench/pipeline/stage-monitor.js';

describe('steadyWindow: the samples a stage’s steady rate is taken over', () => {
  it('is the samples of the second half', () => {
    const samples = [0, 1000, 2000, 3000, 4000].map((atMs) => ({ atMs }));
    expect(steadyWindow(samples, 2000)).toEqual([{ atMs: 2000 }, { atMs: 3000 }, { atMs: 4000 }]);
  });

  it('is at least the last two samples when sampling was slow', () => {
    const samples = [0, 700, 9000].map((atMs) => ({ atMs }));
    expect(steadyWindow(samples, 5000)).toEqual([{ atMs: 700 }, { atMs: 9000 }]);
  });
});

describe('sampleEveryMs', () => {
  it('takes about 20 samples of a short load and one every 2 s of a long one', () => {
    expect(sampleEveryMs(10)).toBe(500);
    expect(sampleEveryMs(2)).toBe(250);
    expect(sampleEveryMs(300)).toBe(2000);
  });
});

describe('StageMonitor', () => {
  it('still measures a stage whose offsets answer slower than the load lasts', async () => {
    // A stage taking 1000 units/s whose every answer takes 300 ms: a 500 ms load gets the sample
    // at its start and the one at its end, no more.
    const t0 = Date.now();
    const slow = async <T>(value: T): Promise<T> => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return value;
    };
    let samplesTaken = 0;
    const monitor = new StageMonitor(
      [
        {
          name: 'sink',
          unit: 'records',
          consumed: () => {
            samplesTaken++;
            return slow(Date.now() - t0); // read when asked, answered 300 ms later
          },
          lag: () => slow(0),
          usage: () => Promise.resolve({ cpuSec: 0, peakRssMb: 0 }),
        },
      ],
      2_000,
    );
    await monitor.begin();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the load
    const stats = await monitor.end();
    expect(samplesTaken).toBe(2);
    expect(stats['sink']!.steadyInPerSec).toBeGreaterThan(900);
    expect(stats['sink']!.steadyInPerSec).toBeLessThan(1100);
  });
});
