import { beforeAll, describe, expect, it } from 'vitest';
import { CustomsStatus } from '../../../schemas/index.js';
import { createSimulation, loadScenario, type Scenario } from '../../../simulators/index.js';

const START_US = Date.UTC(2026, 3, 1, 8, 0, 0) * 1000;

let scenario: Scenario;
beforeAll(async () => {
  scenario = await loadScenario();
});

describe('customs decisions of a run', () => {
  it('are valid CustomsStatus messages at start + offset × timeScale, with the manifest’s SSCC', () => {
    const sim = createSimulation({
      ...scenario,
      seed: 1,
      startUs: START_US,
      profile: 'test',
      palletCount: 30,
    });
    const inRun = new Set(sim.plans.map((p) => p.epc));
    const sscc = new Map(scenario.manifest.pallets.map((p) => [p.epc, p.sscc]));
    expect(sim.customs.length).toBeGreaterThan(30);
    for (const status of sim.customs) {
      expect(CustomsStatus.parse(status)).toEqual(status);
      expect(inRun.has(status.epc!)).toBe(true);
      expect(status.sscc).toBe(sscc.get(status.epc!));
    }
    expect(sim.customs.map((c) => c.atUs)).toEqual([...sim.customs.map((c) => c.atUs)].sort((a, b) => a - b));
    // The seed's first RELEASED of the first pallet, at a tenth of its demo-scale offset.
    const first = sim.plans[0]!.epc;
    const seedReleased = scenario.customs!.statuses.find((s) => s.epc === first && s.status === 'RELEASED')!;
    const released = sim.customs.find((c) => c.epc === first && c.status === 'RELEASED')!;
    expect(released.atUs).toBe(START_US + Math.round(seedReleased.atOffsetSec * 0.1 * 1000) * 1000);
  });

  it('fall due with virtual time, each handed out once', () => {
    const sim = createSimulation({
      ...scenario,
      seed: 1,
      startUs: START_US,
      profile: 'test',
      palletCount: 30,
    });
    const taken = [];
    for (let s = 5; s <= 300; s += 5) {
      sim.advance(START_US + s * 1_000_000);
      const due = sim.takeDueCustoms();
      expect(due.every((c) => c.atUs <= sim.nowUs && c.atUs >= sim.nowUs - 5_000_000)).toBe(true);
      taken.push(...due);
    }
    expect(taken).toEqual(sim.customs.filter((c) => c.atUs <= START_US + 300_000_000));
    expect(sim.takeDueCustoms()).toEqual([]);
    // Truth records the same decisions at the same instants.
    const truthCustoms = sim.truth.filter((e) => e.kind === 'CUSTOMS_CHANGED');
    expect(truthCustoms.map((e) => `${e.epc}/${e.status}/${e.atUs}`)).toEqual(
      taken.map((c) => `${c.epc}/${c.status}/${c.atUs}`),
    );
  });
});
