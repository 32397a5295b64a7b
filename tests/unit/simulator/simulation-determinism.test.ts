import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createSimulation,
  loadScenario,
  readTruthFile,
  type Scenario,
  type SimulatedRead,
  type SimulationOptions,
} from '../../../simulators/index.js';

const START_US = Date.UTC(2026, 3, 1, 8, 0, 0) * 1000;
const SECOND = 1_000_000;

let scenario: Scenario;
beforeAll(async () => {
  scenario = await loadScenario();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-sim-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every realism feature at once: sessions, skew, outages, misses (forklift loads are always on). */
const FAULTS: Partial<SimulationOptions> = {
  session: 'S1',
  missProbability: 0.1,
  readers: {
    'RD-STOR-A': { clockSkewUs: -1_500_000, session: 'S2' },
    'RD-DOCK-1': { outages: [{ fromUs: START_US + 5 * SECOND, toUs: START_US + 25 * SECOND }] },
    'RD-GATE-N': { session: 'S0' },
  },
};

/** Run and serialise reads and truth exactly as the CLI and the truth file do. */
function run(
  seed: number,
  stepsUs: number[],
  truthFile?: string,
  extra: Partial<SimulationOptions> = {},
): { reads: string; truth: string } {
  const sim = createSimulation({
    ...scenario,
    seed,
    startUs: START_US,
    profile: 'test',
    palletCount: 20,
    truthFile,
    ...extra,
  });
  const reads: SimulatedRead[] = [];
  let t = START_US;
  for (const step of stepsUs) reads.push(...sim.advance((t += step)));
  sim.close();
  return {
    reads: reads.map((r) => JSON.stringify(r)).join('\n'),
    truth: sim.truth.map((e) => JSON.stringify(e)).join('\n'),
  };
}

describe('simulation determinism', () => {
  it('the same seed gives byte-identical reads and truth, also in the truth file', async () => {
    const dir = await tempDir();
    const a = run(7, [60 * SECOND], join(dir, 'a.jsonl'));
    const b = run(7, [60 * SECOND], join(dir, 'b.jsonl'));
    expect(a.reads.length).toBeGreaterThan(10_000);
    expect(a.reads).toBe(b.reads);
    expect(a.truth).toBe(b.truth);
    const fileA = await readFile(join(dir, 'a.jsonl'), 'utf8');
    expect(fileA).toBe(await readFile(join(dir, 'b.jsonl'), 'utf8'));
    expect(fileA).toBe(`${a.truth}\n`);
    // And it reads back as valid truth events.
    expect((await readTruthFile(join(dir, 'a.jsonl'))).length).toBe(a.truth.split('\n').length);
  });

  it('how the run is cut into advance() calls does not change it', () => {
    const whole = run(7, [60 * SECOND]);
    const oddSteps = Array.from({ length: 60_000 / 137 }, () => 137_000);
    oddSteps.push(60 * SECOND - oddSteps.reduce((a, b) => a + b, 0));
    const pieces = run(7, oddSteps);
    expect(pieces.reads).toBe(whole.reads);
    expect(pieces.truth).toBe(whole.truth);
  });

  it('with sessions, clock skew, outages and misses: the same seed, the same bytes, however cut', async () => {
    const dir = await tempDir();
    const a = run(7, [60 * SECOND], join(dir, 'a.jsonl'), FAULTS);
    const oddSteps = Array.from({ length: 60_000 / 137 }, () => 137_000);
    oddSteps.push(60 * SECOND - oddSteps.reduce((x, y) => x + y, 0));
    const b = run(7, oddSteps, join(dir, 'b.jsonl'), FAULTS);
    expect(a.reads.length).toBeGreaterThan(1_000);
    expect(a.reads).toBe(b.reads);
    expect(a.truth).toBe(b.truth);
    expect(await readFile(join(dir, 'a.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'b.jsonl'), 'utf8'));
    // The faults are in the truth, and they changed the reads.
    for (const kind of ['READER_CLOCK_SKEW', 'READER_DOWN', 'READER_UP', 'FORKLIFT_MOVED'])
      expect(a.truth).toContain(`"kind":"${kind}"`);
    expect(a.reads).not.toBe(run(7, [60 * SECOND]).reads);
    expect(a.reads).not.toBe(run(8, [60 * SECOND], undefined, FAULTS).reads);
  });

  it('another seed gives another run over the same schedule', () => {
    const a = run(7, [60 * SECOND]);
    const b = run(8, [60 * SECOND]);
    expect(a.reads).not.toBe(b.reads);
    // Arrivals come from the schedule, not the seed: the same pallets cross the entry gate.
    const crossedIn = (truth: string): string[] =>
      truth
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; epc: string; direction?: string })
        .filter((e) => e.kind === 'GATE_CROSSED' && e.direction === 'IN')
        .map((e) => e.epc)
        .sort();
    expect(crossedIn(a.truth)).toEqual(crossedIn(b.truth));
  });

  it('refuses to go back in time', () => {
    const sim = createSimulation({
      ...scenario,
      seed: 1,
      startUs: START_US,
      profile: 'test',
      palletCount: 2,
    });
    sim.advance(START_US + SECOND);
    expect(() => sim.advance(START_US)).toThrow(/back in time/);
  });

  it('refuses a start that is not whole milliseconds, and a bad time scale', () => {
    expect(() => createSimulation({ ...scenario, seed: 1, startUs: START_US + 1, profile: 'test' })).toThrow(
      /whole milliseconds/,
    );
    expect(() => createSimulation({ ...scenario, seed: 1, startUs: START_US, timeScale: 0 })).toThrow(
      /timeScale/,
    );
    expect(() =>
      createSimulation({ ...scenario, seed: 1, startUs: START_US, profile: 'fast' as 'test' }),
    ).toThrow(/demo, test/);
  });
});
