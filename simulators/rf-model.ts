import type { Antenna, TagRead } from '../schemas/index.js';
import type { Gen2SessionModel } from './gen2-session.js';
import type { Stay } from './pallet-flow.js';
import type { Prng } from './prng.js';
import type { RfProfile } from './profiles.js';
import type { SiteModel } from './site-model.js';

/** A pallet where the RF model can see it: its tag, the stay it is in, and where it stands. */
export interface TagPresence {
  epc: string;
  stay: Stay;
  /** Distance from its zone's COVERAGE antennas, metres, drawn when it entered (rf-model). */
  distanceM: number;
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
/** A portal is about this wide: a pallet at the far end is this far from the near antenna. */
const PORTAL_LENGTH_M = 8;
/** A portal antenna looks straight at the lane from this close. */
const PORTAL_STANDOFF_M = 1;
/**
 * Portal antennas are narrow-beam and shielded so that each sees its own side of the gate: off
 * their axis a tag loses this much per metre on top of the path loss (the far side is ~20 dB down).
 */
const PORTAL_BEAM_LOSS_DB_PER_M = 3;

/** Spacing of a read's duplicates within one slot; < 1 ms, so they stay inside the slot. */
const DUPLICATE_SPACING_US = 100;

/** Mean RSSI at `distanceM` by log-distance path loss, less `extraLossDb`. */
export function meanRssiDbm(rf: RfProfile, distanceM: number, extraLossDb = 0): number {
  return rf.rssiAt1mDbm - 10 * rf.pathLossExponent * Math.log10(Math.max(0.1, distanceM)) - extraLossDb;
}

/** Read chance per slot of a tag whose mean RSSI is `rssiDbm`: logistic around the sensitivity. */
export function readProbability(rf: RfProfile, rssiDbm: number): number {
  return rf.maxReadProbability / (1 + Math.exp(-(rssiDbm - rf.sensitivityDbm) / rf.readSlopeDb));
}

/**
 * The reads one antenna produces in one slot of its reader's cycle, all stamped at the slot time
 * (plus < 1 ms for reader-side duplicates), in true time (the reader's clock skew is applied later).
 *
 * - COVERAGE: tags in the antenna's zone at their distance; tags in zones it can cross-read (see
 *   SiteModel.crossReadZones) `crossReadGapM` further and `crossReadAttenuationDb` weaker. RSSI and
 *   read chance follow `meanRssiDbm` and `readProbability`.
 * - PORTAL_IN / PORTAL_OUT: only pallets passing through the gate; the distance is the pallet's
 *   position along the lane to the antenna's side, so the first strong reads come from the side the
 *   pallet enters from.
 *
 * Every tag in the field is powered (`session.powered`); only tags whose session flag lets them
 * answer may be read, and a read tag is marked inventoried. A read is then lost with
 * `missProbability`. Draws from `prng` in a fixed order (zones, then tags in entry order), which
 * keeps runs reproducible.
 */
export function readAntennaSlot(
  antenna: Antenna,
  atUs: number,
  model: SiteModel,
  world: RfWorld,
  rf: RfProfile,
  prng: Prng,
  session: Gen2SessionModel,
): TagRead[] {
  const reads: TagRead[] = [];
  const attempt = (epc: string, rssiDbm: number): void => {
    if (!world.answers(epc)) return;
    // Power every tag in the field, answered or not: S2/S3 persistence counts from the last power.
    const answers = session.powered(epc, atUs);
    const read = prng.chance(readProbability(rf, rssiDbm));
    if (!answers || !read) return;
    session.inventoried(epc, atUs);
    if (rf.missProbability > 0 && prng.chance(rf.missProbability)) return;
    // Reader-side duplicates: in S0 a tag may answer again within the same antenna dwell; in a
    // persistent session a singulated tag keeps quiet for the rest of the round.
    const duplicates = session.session === 'S0' && prng.chance(rf.duplicateProbability);
    const copies = 1 + (duplicates ? prng.int(1, rf.maxDuplicates) : 0);
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
    for (const tag of world.tagsIn(antenna.zone)) attempt(tag.epc, meanRssiDbm(rf, tag.distanceM));
    for (const zone of model.crossReadZones(antenna.zone)) {
      for (const tag of world.tagsIn(zone)) {
        const rssi = meanRssiDbm(rf, tag.distanceM + rf.crossReadGapM, rf.crossReadAttenuationDb);
        attempt(tag.epc, rssi);
      }
    }
    return reads;
  }

  const antennaAt = PORTAL_POSITION[antenna.role];
  for (const tag of world.tagsIn(antenna.zone)) {
    const { stay } = tag;
    if (stay.transit === undefined || stay.toUs === undefined) continue;
    const progress = (atUs - stay.fromUs) / Math.max(1, stay.toUs - stay.fromUs);
    const palletAt = stay.transit === 'IN' ? progress : 1 - progress;
    const alongM = Math.abs(palletAt - antennaAt) * PORTAL_LENGTH_M;
    const pathLossDb = rf.rssiAt1mDbm - meanRssiDbm(rf, Math.hypot(alongM, PORTAL_STANDOFF_M));
    attempt(tag.epc, rf.portalPeakRssiDbm - pathLossDb - PORTAL_BEAM_LOSS_DB_PER_M * alongM);
  }
  return reads;
}
