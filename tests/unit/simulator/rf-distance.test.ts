import { beforeAll, describe, expect, it } from 'vitest';
import {
  Gen2SessionModel,
  Prng,
  TEST_PROFILE,
  buildSiteModel,
  loadScenario,
  meanRssiDbm,
  readProbability,
  type SiteModel,
} from '../../../simulators/index.js';
import { readAntennaSlot, type TagPresence } from '../../../simulators/rf-model.js';

const RF = TEST_PROFILE.rf;
const T0 = Date.UTC(2026, 3, 1) * 1000 * 1000;
let model: SiteModel;

beforeAll(async () => {
  model = buildSiteModel((await loadScenario()).site);
});

/** Reads of one tag at `distanceM` in `zone`, seen by the first COVERAGE antenna of `antennaZone`. */
function readsAt(zone: string, antennaZone: string, distanceM: number, slots: number) {
  const antenna = model.layout.antennas.find((a) => a.zone === antennaZone && a.role === 'COVERAGE')!;
  const tag: TagPresence = {
    epc: '31D5A537C8B2D791FC000000',
    stay: { zone, fromUs: T0, toUs: undefined },
    distanceM,
  };
  const world = { tagsIn: (z: string) => (z === zone ? [tag] : []), answers: () => true };
  const prng = new Prng(5);
  const session = new Gen2SessionModel('S0', RF, new Prng(6));
  const reads = [];
  let slotsWithRead = 0;
  for (let i = 0; i < slots; i++) {
    const slot = readAntennaSlot(antenna, T0 + i * 1000, model, world, RF, prng, session);
    if (slot.length > 0) slotsWithRead++;
    reads.push(...slot);
  }
  const meanRssi = reads.reduce((a, r) => a + r.rssiDbm!, 0) / Math.max(1, reads.length);
  return { share: slotsWithRead / slots, meanRssi };
}

describe('RF model', () => {
  it('read chance and RSSI fall with distance (model and simulated slots agree)', () => {
    for (const [near, far] of [
      [1, 5],
      [3, 8],
      [6, 12],
    ] as const) {
      expect(meanRssiDbm(RF, far)).toBeLessThan(meanRssiDbm(RF, near));
      expect(readProbability(RF, meanRssiDbm(RF, far))).toBeLessThan(
        readProbability(RF, meanRssiDbm(RF, near)),
      );
    }
    const near = readsAt('WH1-STOR-A', 'WH1-STOR-A', 1, 4000);
    const far = readsAt('WH1-STOR-A', 'WH1-STOR-A', 12, 4000);
    expect(near.share).toBeGreaterThan(far.share + 0.3);
    expect(near.meanRssi).toBeGreaterThan(far.meanRssi + 10);
    expect(Math.abs(near.share - readProbability(RF, meanRssiDbm(RF, 1)))).toBeLessThan(0.05);
  });

  it('a pallet in a neighbouring zone is cross-read rarely and weaker', () => {
    const covered = new Set(model.layout.antennas.filter((a) => a.role === 'COVERAGE').map((a) => a.zone));
    const neighbour = model.layout.zones.find(
      (z) => covered.has(z.id) && model.crossReadZones(z.id).length > 0,
    )!;
    const crossFrom = model.crossReadZones(neighbour.id)[0]!;
    // An antenna of zone `neighbour` cross-reads tags in `crossFrom`.
    const own = readsAt(neighbour.id, neighbour.id, 3, 4000);
    const cross = readsAt(crossFrom, neighbour.id, 3, 4000);
    expect(cross.share).toBeGreaterThan(0);
    expect(cross.share).toBeLessThan(own.share / 5);
    expect(cross.meanRssi).toBeLessThan(own.meanRssi - 10);
  });
});
