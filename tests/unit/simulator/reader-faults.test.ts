import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createSimulation,
  loadScenario,
  readerBehavioursFromSpecs,
  type Scenario,
  type SimulatedRead,
  type SimulationOptions,
  type TruthEvent,
} from '../../../simulators/index.js';

const START_US = Date.UTC(2026, 3, 1, 8, 0, 0) * 1000;
const SECOND = 1_000_000;
const RUN_SEC = 120;

let scenario: Scenario;
beforeAll(async () => {
  scenario = await loadScenario();
});

function run(extra: Partial<SimulationOptions> = {}): {
  reads: SimulatedRead[];
  truth: readonly TruthEvent[];
} {
  const sim = createSimulation({
    ...scenario,
    seed: 21,
    startUs: START_US,
    profile: 'test',
    palletCount: 30,
    ...extra,
  });
  const reads: SimulatedRead[] = [];
  for (let s = 5; s <= RUN_SEC; s += 5) reads.push(...sim.advance(START_US + s * SECOND));
  sim.close();
  return { reads, truth: sim.truth };
}

const count = (reads: SimulatedRead[], readerId: string): number =>
  reads.filter((r) => r.readerId === readerId).length;

describe('reader faults in the simulation', () => {
  it('a skewed reader reports true time + skew, and the truth says so from the start', () => {
    const plain = run();
    const skewed = run({ readers: { 'RD-STOR-A': { clockSkewUs: 2_000_000 } } });
    expect(skewed.truth[0]).toEqual({
      kind: 'READER_CLOCK_SKEW',
      readerId: 'RD-STOR-A',
      offsetUs: 2_000_000,
      atUs: START_US,
    });
    const times = (r: { reads: SimulatedRead[] }, id: string) =>
      r.reads.filter((x) => x.readerId === id).map((x) => x.read.seenAtUs);
    // Same RF draws (skew only restamps): every read of that reader is exactly 2 s later.
    const before = times(plain, 'RD-STOR-A');
    expect(before.length).toBeGreaterThan(100);
    expect(times(skewed, 'RD-STOR-A')).toEqual(before.map((t) => t + 2_000_000));
    expect(times(skewed, 'RD-DOCK-1')).toEqual(times(plain, 'RD-DOCK-1'));
  });

  it('a reader in an outage reads nothing, and the truth records when it went down and up', () => {
    const readers = readerBehavioursFromSpecs({ outages: ['RD-DOCK-1=10-40', 'RD-DOCK-1=60-70'] }, START_US);
    const { reads, truth } = run({ readers });
    const outages = truth.filter((e) => e.kind === 'READER_DOWN' || e.kind === 'READER_UP');
    expect(outages.map((e) => [e.kind, (e.atUs - START_US) / SECOND])).toEqual([
      ['READER_DOWN', 10],
      ['READER_UP', 40],
      ['READER_DOWN', 60],
      ['READER_UP', 70],
    ]);
    const dock = reads
      .filter((r) => r.readerId === 'RD-DOCK-1')
      .map((r) => (r.read.seenAtUs - START_US) / SECOND);
    expect(dock.length).toBeGreaterThan(50);
    expect(dock.filter((s) => (s >= 10 && s < 40) || (s >= 60 && s < 70))).toEqual([]);
    expect(dock.some((s) => s >= 40 && s < 60)).toBe(true);
  });

  it('misses drop about the share asked for', () => {
    const all = run().reads.length;
    const missed = run({ missProbability: 0.3 }).reads.length;
    expect(missed / all).toBeGreaterThan(0.6);
    expect(missed / all).toBeLessThan(0.8);
  });

  it('persistent sessions read a pallet far less often than S0, and S2 once per stay in the field', () => {
    const s0 = run().reads;
    const s1 = run({ session: 'S1' }).reads;
    const s2 = run({ session: 'S2' }).reads;
    expect(s1.length).toBeLessThan(s0.length / 3);
    expect(s2.length).toBeLessThan(s1.length);
    expect(s2.length).toBeGreaterThan(30);
    // S2: no reader reports the same tag in two consecutive slots while it stays put.
    const byKey = new Map<string, number[]>();
    for (const { readerId, read } of s2) {
      const key = `${readerId}/${read.epc}`;
      byKey.set(key, [...(byKey.get(key) ?? []), read.seenAtUs]);
    }
    for (const [key, times] of byKey)
      for (let i = 1; i < times.length; i++)
        expect(times[i]! - times[i - 1]!, key).toBeGreaterThan(2 * SECOND);
    // One reader on S0 keeps its re-reads while the others are on S2.
    const mixed = run({ session: 'S2', readers: { 'RD-STOR-A': { session: 'S0' } } }).reads;
    expect(count(mixed, 'RD-STOR-A')).toBeGreaterThan(5 * count(s2, 'RD-STOR-A'));
    expect(count(mixed, 'RD-STOR-B')).toBeLessThan(count(s0, 'RD-STOR-B') / 5);
  });

  it('refuses unknown readers, fractional-ms skews, overlapping outages and bad specs', () => {
    expect(() => run({ readers: { NOPE: { clockSkewUs: 1000 } } })).toThrow(/not in the site/);
    expect(() => run({ readers: { 'RD-STOR-A': { clockSkewUs: 1500 } } })).toThrow(/whole milliseconds/);
    expect(() =>
      run({ readers: readerBehavioursFromSpecs({ outages: ['RD-STAGE=5-20', 'RD-STAGE=10-30'] }, START_US) }),
    ).toThrow(/overlap/);
    expect(() => readerBehavioursFromSpecs({ clockSkews: ['RD-STAGE'] }, START_US)).toThrow(/READER=/);
    expect(() => readerBehavioursFromSpecs({ outages: ['RD-STAGE=5'] }, START_US)).toThrow(/FROM-TO/);
    expect(() => run({ missProbability: 1 })).toThrow(/missProbability/);
  });
});

describe('forklift loads', () => {
  it('move several pallets at once, and the truth records the load and each pallet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bt-forklift-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const sim = createSimulation({
      ...scenario,
      seed: 21,
      startUs: START_US,
      profile: 'test',
      palletCount: 30,
      truthFile: join(dir, 'truth.jsonl'),
    });
    sim.advance(START_US + 30 * SECOND);
    // Written as it happens: the file holds the truth reached so far, no more.
    const lines = (await readFile(join(dir, 'truth.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toEqual(sim.truth.map((e) => JSON.stringify(e)));
    expect(sim.truth.every((e) => e.atUs <= START_US + 30 * SECOND)).toBe(true);
    sim.advance(START_US + RUN_SEC * SECOND);
    sim.close();

    const loads = sim.truth.filter((e) => e.kind === 'FORKLIFT_MOVED');
    expect(loads.length).toBeGreaterThan(3);
    for (const load of loads) {
      expect(load.epcs.length).toBeGreaterThanOrEqual(2);
      expect(load.epcs.length).toBeLessThanOrEqual(sim.profile.forkliftCapacity);
      for (const epc of load.epcs) {
        const at = sim.truth.filter((e) => 'epc' in e && e.epc === epc && e.atUs === load.atUs);
        expect(at.map((e) => [e.kind, 'zone' in e ? e.zone : ''])).toEqual([
          ['ZONE_LEFT', load.fromZone],
          ['ZONE_ENTERED', load.toZone],
        ]);
      }
    }
    // And a load is recorded before its pallets' own moves.
    const first = sim.truth.indexOf(loads[0]!);
    const leftAfter = sim.truth.findIndex(
      (e) => e.kind === 'ZONE_LEFT' && e.epc === loads[0]!.epcs[0] && e.atUs === loads[0]!.atUs,
    );
    expect(first).toBeLessThan(leftAfter);
  });
});
