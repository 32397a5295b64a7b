import { describe, expect, it } from 'vitest';
import { AntennaLevels } from '../../../pipeline/locate/antenna-levels.js';
import type { Observation } from '../../../schemas/index.js';
import { EPC1, T0 } from './fixtures.js';

function observation(readerId: string, antenna: number, meanRssiDbm: number | undefined): Observation {
  return {
    v: 1,
    id: `${readerId}/${antenna}/${meanRssiDbm}`,
    site: 'T1',
    epc: EPC1,
    readerId,
    antenna,
    firstSeenUs: T0,
    lastSeenUs: T0,
    count: 1,
    ...(meanRssiDbm === undefined ? {} : { meanRssiDbm, maxRssiDbm: meanRssiDbm }),
  };
}

/** Teach `n` observations at `rssiDbm` (own pallets or cross-reads) to an antenna. */
function teach(levels: AntennaLevels, kind: 'own' | 'cross', antenna: number, rssiDbm: number, n = 10): void {
  for (let i = 0; i < n; i++) {
    const obs = observation('R1', antenna, rssiDbm);
    if (kind === 'own') levels.learnOwn(obs);
    else levels.learnCross(obs);
  }
}

describe('AntennaLevels', () => {
  it('counts a read strong from midway between the own-pallet and cross-read means', () => {
    const levels = new AntennaLevels(7, 1);
    teach(levels, 'own', 1, -55);
    teach(levels, 'cross', 1, -75);
    expect(levels.strongFromDbm(observation('R1', 1, -60))).toBe(-65);
    // A far pallet of the zone (-63 dBm) is strong; a cross-read a few dB above its mean is not.
    expect(levels.isStrong(observation('R1', 1, -63))).toBe(true);
    expect(levels.isStrong(observation('R1', 1, -68))).toBe(false);
  });

  it('follows a site whose cross-reads are only 10 dB under its own pallets', () => {
    const levels = new AntennaLevels(7, 1);
    teach(levels, 'own', 1, -55);
    teach(levels, 'cross', 1, -65);
    expect(levels.strongFromDbm(observation('R1', 1, -60))).toBe(-60);
  });

  it('stands in the means of the other antennas for one that has none yet, and the margin for no cross-reads', () => {
    const levels = new AntennaLevels(7, 1);
    expect(levels.strongFromDbm(observation('R1', 2, -60))).toBeUndefined();
    teach(levels, 'own', 1, -55);
    teach(levels, 'own', 3, -57);
    expect(levels.strongFromDbm(observation('R1', 2, -60))).toBe(-63); // pooled own −56, less 7 dB
    teach(levels, 'cross', 3, -76);
    expect(levels.strongFromDbm(observation('R1', 2, -60))).toBe(-66);
    // Not trusted before 8 observations: antenna 2's own mean does not count yet.
    teach(levels, 'own', 2, -50, 7);
    expect(levels.strongFromDbm(observation('R1', 2, -60))).toBe(-66);
  });

  it('does not learn as a cross-read what reads like its own zone (a pallet that has just moved in)', () => {
    const levels = new AntennaLevels(7, 1);
    teach(levels, 'own', 1, -55);
    teach(levels, 'cross', 1, -56);
    teach(levels, 'cross', 1, -75);
    expect(levels.crossSnapshot()).toEqual([['R1\u00001', -75, 10]]);
  });

  it('round-trips its means through snapshots, cross-reads included', () => {
    const levels = new AntennaLevels(7, 1);
    teach(levels, 'own', 1, -55);
    teach(levels, 'cross', 1, -75);
    levels.isStrong(observation('R1', 1, -54));
    const restored = new AntennaLevels(7, 1);
    restored.load(levels.snapshot());
    restored.loadOwn(levels.ownSnapshot());
    restored.loadCross(levels.crossSnapshot());
    for (const rssi of [-50, -60, -65, -70, undefined]) {
      const obs = observation('R1', 1, rssi);
      expect(restored.strongFromDbm(obs)).toBe(levels.strongFromDbm(obs));
      expect(restored.isSure(obs)).toBe(levels.isSure(obs));
    }
  });

  // The exactly-once test caught it: pooled means summed in the order antennas were first seen
  // differed in the last bit from a restored worker's (sorted), and so did event confidences.
  it('pools the same bits whatever order the antennas were learnt in, and after a restore', () => {
    const means: Array<[number, number]> = [
      [1, -51.1],
      [2, -57.3],
      [3, -53.7],
      [4, -59.9], // summed in the other order, the pooled midpoint differs in its last bit
    ];
    const learnt = (order: Array<[number, number]>): AntennaLevels => {
      const levels = new AntennaLevels(7, 1);
      for (const [antenna, rssi] of order) {
        teach(levels, 'own', antenna, rssi);
        teach(levels, 'cross', antenna, rssi - 19.3);
      }
      return levels;
    };
    const a = learnt(means);
    const b = learnt([...means].reverse());
    const restored = new AntennaLevels(7, 1);
    restored.loadOwn([...b.ownSnapshot()].reverse());
    restored.loadCross(b.crossSnapshot());
    const unknown = observation('R9', 1, -60); // no means of its own: pooled ones stand in
    expect(b.strongFromDbm(unknown)).toBe(a.strongFromDbm(unknown));
    expect(restored.strongFromDbm(unknown)).toBe(a.strongFromDbm(unknown));
    expect(restored.ownSnapshot()).toEqual(a.ownSnapshot());
  });
});
