import type { Antenna, TagRead } from '../schemas/index.js';
import type { Stay } from './pallet-flow.js';
import type { Prng } from './prng.js';
import type { RfProfile } from './profiles.js';
import type { SiteModel } from './site-model.js';

/** A pallet where the RF model can see it: its tag and the stay it is in. */
export interface TagPresence {
  epc: string;
  stay: Stay;
}

/** What the RF model needs to know about the world at one instant. */
export interface RfWorld {
  /** Pallets in `zone` now, in a stable order (the order they entered). */
  tagsIn(zone: string): Iterable<TagPresence>;
  /** False for a tag that no longer answers. */
  answers(epc: string): boolean;
}

/**
 * Where a portal's antennas sit along the path through the gate, 0 = public road, 1 = bonded side.
 * A pallet going IN passes PORTAL_OUT first, then PORTAL_IN (schemas/site-layout.ts).
 */
const PORTAL_POSITION = { PORTAL_OUT: 0.25, PORTAL_IN: 0.75 } as const;

/** Spacing of a read's duplicates within one slot; < 1 ms, so they stay inside the slot. */
const DUPLICATE_SPACING_US = 100;

/**
 * The reads one antenna produces in one slot of its reader's cycle, all stamped at the slot time
 * (plus < 1 ms for duplicates).
 *
 * - COVERAGE: tags in the antenna's zone are read with `coverageReadProbability` at about
 *   `coverageRssiDbm`; tags in zones it can cross-read (see SiteModel.crossReadZones) with
 *   `crossReadProbability`, `crossReadAttenuationDb` weaker.
 * - PORTAL_IN / PORTAL_OUT: only pallets passing through the gate; read chance and RSSI fall with
 *   the distance between the pallet and the antenna's side of the portal, so the first strong reads
 *   come from the side the pallet enters from.
 *
 * Draws from `prng` in a fixed order (zones, then tags in entry order), which keeps runs
 * reproducible.
 */
export function readAntennaSlot(
  antenna: Antenna,
  atUs: number,
  model: SiteModel,
  world: RfWorld,
  rf: RfProfile,
  prng: Prng,
): TagRead[] {
  const reads: TagRead[] = [];
  const emit = (epc: string, rssiDbm: number): void => {
    const copies = 1 + (prng.chance(rf.duplicateProbability) ? prng.int(1, rf.maxDuplicates) : 0);
    for (let k = 0; k < copies; k++) {
      const noisy = rssiDbm + prng.normal(0, rf.rssiNoiseDb);
      reads.push({
        epc,
        antenna: antenna.port,
        rssiDbm: Math.round(Math.min(-20, Math.max(-100, noisy)) * 10) / 10,
        seenAtUs: atUs + k * DUPLICATE_SPACING_US,
        count: 1,
      });
    }
  };

  if (antenna.role === 'COVERAGE') {
    for (const tag of world.tagsIn(antenna.zone)) {
      if (world.answers(tag.epc) && prng.chance(rf.coverageReadProbability))
        emit(tag.epc, rf.coverageRssiDbm);
    }
    for (const zone of model.crossReadZones(antenna.zone)) {
      for (const tag of world.tagsIn(zone)) {
        if (world.answers(tag.epc) && prng.chance(rf.crossReadProbability)) {
          emit(tag.epc, rf.coverageRssiDbm - rf.crossReadAttenuationDb);
        }
      }
    }
    return reads;
  }

  const antennaAt = PORTAL_POSITION[antenna.role];
  for (const tag of world.tagsIn(antenna.zone)) {
    const { stay } = tag;
    if (stay.transit === undefined || stay.toUs === undefined || !world.answers(tag.epc)) continue;
    const progress = (atUs - stay.fromUs) / Math.max(1, stay.toUs - stay.fromUs);
    const palletAt = stay.transit === 'IN' ? progress : 1 - progress;
    const distance = Math.abs(palletAt - antennaAt);
    // Near side: ~95 % per slot; far side (distance ≥ 0.5): an occasional weak read.
    const probability = Math.min(0.95, Math.max(0.05, 0.95 - 1.8 * distance));
    if (prng.chance(probability)) emit(tag.epc, rf.portalPeakRssiDbm - 30 * distance);
  }
  return reads;
}
