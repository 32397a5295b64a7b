import { describe, expect, it } from 'vitest';
import { NaiveLocator } from '../../../pipeline/accuracy/naive-locator.js';
import { ReadNoise } from '../../../pipeline/accuracy/read-noise.js';
import { runAccuracy } from '../../../pipeline/accuracy/run-accuracy.js';
import { loadScenario } from '../../../simulators/index.js';
import { EPC1, T0, read, smallSite } from './fixtures.js';

describe('accuracy run', () => {
  it('scores the pipeline operators above the naive baseline, the same way every time', async () => {
    const scenario = await loadScenario();
    const run = () => runAccuracy({ scenario, seed: 7, durationSec: 120, profile: 'test' });
    const report = run();
    expect(report.counts.trueTransitions).toBeGreaterThan(20);
    expect(report.counts.trueCrossings).toBeGreaterThan(5);
    expect(report.zoneTimeAccuracy).toBeGreaterThan(report.baseline.zoneTimeAccuracy);
    expect(report.transitionPrecision).toBeGreaterThan(report.baseline.transitionPrecision);
    expect(report.transitionRecall).toBeGreaterThan(0.9);
    expect(report.directionAccuracy).toBeGreaterThan(0.9);
    expect(report.reads).toBeGreaterThan(report.observations / 2);
    expect(run()).toEqual(report);
  });

  it('naive baseline: zone of the strongest latest read, flipping on every stronger cross-read', () => {
    const naive = new NaiveLocator(smallSite);
    const events = [
      ...naive.ingest('R1', read(EPC1, 1, T0, -55)),
      ...naive.ingest('R1', read(EPC1, 2, T0 + 100_000, -50)),
      ...naive.ingest('R1', read(EPC1, 1, T0 + 2_000_000, -60)),
    ];
    expect(events.map((e) => [e.kind, e.toZone])).toEqual([
      ['ARRIVED', 'A'],
      ['MOVED', 'B'],
      ['MOVED', 'A'],
    ]);
  });

  it('read noise drops about the share asked for, skews one reader and silences another', () => {
    const noise = new ReadNoise(1, {
      missRate: 0.1,
      skew: { readerId: 'R1', offsetUs: 2_000_000 },
      outage: { readerId: 'R2', fromUs: T0, toUs: T0 + 1_000_000 },
    });
    const reads = Array.from({ length: 1000 }, (_, i) => ({ readerId: 'R1', read: read(EPC1, 1, T0 + i) }));
    const out = noise.apply([...reads, { readerId: 'R2', read: read(EPC1, 1, T0 + 5) }]);
    expect(noise.counters.outage).toBe(1);
    expect(noise.counters.missed).toBeGreaterThan(60);
    expect(noise.counters.missed).toBeLessThan(140);
    expect(out.every((r) => r.readerId === 'R1' && r.read.seenAtUs >= T0 + 2_000_000)).toBe(true);
  });
});
