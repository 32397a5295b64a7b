import { ConfigError } from '../runtime/errors.js';

/** A [min, max) range in seconds, drawn uniformly. */
export type RangeSec = readonly [number, number];

/** How tags answer antennas. A later RF model refines this; these are the first-order effects. */
export interface RfProfile {
  /** Chance that a COVERAGE antenna reads a tag in its own zone in one antenna slot. */
  coverageReadProbability: number;
  /** Typical RSSI of a tag in the antenna's own zone. */
  coverageRssiDbm: number;
  /** Standard deviation of RSSI noise (multipath, orientation). */
  rssiNoiseDb: number;
  /** Chance that a COVERAGE antenna reads a tag in a neighbouring zone (RF spill-over). */
  crossReadProbability: number;
  /** Cross-reads arrive this much weaker than reads in the antenna's own zone. */
  crossReadAttenuationDb: number;
  /** RSSI of a tag right in front of a portal antenna. */
  portalPeakRssiDbm: number;
  /** Chance that one read is reported again in the same slot (reader-side duplicates). */
  duplicateProbability: number;
  /** At most this many extra copies of a read. */
  maxDuplicates: number;
}

export interface SimulationProfile {
  name: string;
  /**
   * Multiplies every offset of the customs and schedule seeds, which are written at demo scale
   * (1). A smaller value packs the same story into a shorter run.
   */
  timeScale: number;
  /** Time for a reader with COVERAGE antennas to visit each of its antennas once. */
  readCycleUs: number;
  /** Same for readers with portal antennas, which must catch a pallet passing in a few seconds. */
  portalReadCycleUs: number;
  /** Time to pass through a gate's portal. */
  gateTransitSec: RangeSec;
  /** Time spent in a zone before the next move, by zone kind, when nothing else holds it. */
  dwellSec: { DOCK: RangeSec; STORAGE: RangeSec; INSPECTION: RangeSec; STAGING: RangeSec };
  /** Handling time between a customs decision (release, inspection order) and the move it allows. */
  handlingLagSec: RangeSec;
  /** Inter-arrival time of trucks when no schedule is given (exponential mean, before timeScale). */
  meanTruckIntervalSec: number;
  rf: RfProfile;
}

const RF_DEFAULTS: RfProfile = {
  coverageReadProbability: 0.7,
  coverageRssiDbm: -55,
  rssiNoiseDb: 3,
  crossReadProbability: 0.05,
  crossReadAttenuationDb: 10,
  portalPeakRssiDbm: -42,
  duplicateProbability: 0.3,
  maxDuplicates: 2,
};

/** Realistic but lively: a truck every half minute, minutes in storage. For the demo. */
export const DEMO_PROFILE: SimulationProfile = {
  name: 'demo',
  timeScale: 1,
  readCycleUs: 1_000_000,
  portalReadCycleUs: 200_000,
  gateTransitSec: [4, 6],
  dwellSec: { DOCK: [30, 90], STORAGE: [300, 900], INSPECTION: [120, 300], STAGING: [30, 120] },
  handlingLagSec: [20, 120],
  meanTruckIntervalSec: 30,
  rf: RF_DEFAULTS,
};

/**
 * Fast: seconds per zone and the seed story at a tenth of its pace, so that a 30-60 s virtual run
 * shows arrivals, moves, releases and exits. Dwell stays ≥ 3 s so that dedup windows still see it.
 */
export const TEST_PROFILE: SimulationProfile = {
  name: 'test',
  timeScale: 0.1,
  readCycleUs: 200_000,
  portalReadCycleUs: 200_000,
  gateTransitSec: [2, 3],
  dwellSec: { DOCK: [3, 6], STORAGE: [6, 12], INSPECTION: [5, 10], STAGING: [3, 6] },
  handlingLagSec: [1, 3],
  meanTruckIntervalSec: 30,
  rf: RF_DEFAULTS,
};

export const PROFILES = { demo: DEMO_PROFILE, test: TEST_PROFILE } as const;
export type ProfileName = keyof typeof PROFILES;

export function resolveProfile(profile: ProfileName | SimulationProfile | undefined): SimulationProfile {
  if (profile === undefined) return DEMO_PROFILE;
  if (typeof profile !== 'string') return profile;
  const found = (PROFILES as Record<string, SimulationProfile | undefined>)[profile];
  if (!found)
    throw new ConfigError(`profile must be one of ${Object.keys(PROFILES).join(', ')}, got "${profile}"`);
  return found;
}
