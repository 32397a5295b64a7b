import type { Observation } from '../../schemas/index.js';

/** Own-pallet observations an antenna needs before one of its reads can be sure evidence. */
const SURE_AFTER = 8;
/** The own-pallet mean becomes a moving mean over about this many observations. */
const OWN_CAP = 100;

/**
 * The RSSI at which each antenna (reader, port) reads the pallets of its own zone, learned from
 * what it reads: it rises fast (so a first cross-read does not set it low for long), falls slowly,
 * and ignores reads more than `strongMarginDb` below it. Cross-reads from a neighbouring zone arrive
 * about 10 dB weaker than the antenna's own pallets (the simulator's RF model, and the field).
 */
export class AntennaLevels {
  private readonly levels = new Map<string, number>();

  /**
   * Mean RSSI and count of observations per antenna of pallets already placed in that antenna's
   * zone: the antenna's own pallets only, never a cross-read, so unlike `levels` it does not sink
   * towards cross-read strength while the zone stands empty (see `isSure`).
   */
  private readonly own = new Map<string, { meanDbm: number; n: number }>();

  constructor(
    private readonly strongMarginDb: number,
    private readonly sureMarginDb = 2,
  ) {}

  /**
   * Is this observation read within `sureMarginDb` of the mean its antenna reads its own pallets at
   * (or above)? Only once that mean rests on `SURE_AFTER` observations. Does not learn.
   */
  isSure(obs: Observation): boolean {
    const rssi = obs.meanRssiDbm;
    if (rssi === undefined) return false; // without RSSI only the slower count of windows decides
    const own = this.own.get(`${obs.readerId}\u0000${obs.antenna}`);
    return own !== undefined && own.n >= SURE_AFTER && rssi >= own.meanDbm - this.sureMarginDb;
  }

  /** Learn from an observation of a pallet in its antenna's zone (the pallet's current zone). */
  learnOwn(obs: Observation): void {
    const rssi = obs.meanRssiDbm;
    if (rssi === undefined) return;
    const key = `${obs.readerId}\u0000${obs.antenna}`;
    const own = this.own.get(key);
    if (!own) this.own.set(key, { meanDbm: rssi, n: 1 });
    else {
      // A running mean over the first observations, then a moving one (~100 observations).
      own.n = Math.min(own.n + 1, OWN_CAP);
      own.meanDbm += (rssi - own.meanDbm) / own.n;
    }
  }

  /** Is this observation read about as strongly as its antenna reads its own zone? Learns from it. */
  isStrong(obs: Observation): boolean {
    const rssi = obs.meanRssiDbm;
    if (rssi === undefined) return true; // a reader without RSSI: every read counts
    const key = `${obs.readerId}\u0000${obs.antenna}`;
    const level = this.levels.get(key);
    if (level === undefined || rssi > level) {
      this.levels.set(key, level === undefined ? rssi : level + 0.5 * (rssi - level));
      return true;
    }
    if (rssi < level - this.strongMarginDb) return false;
    this.levels.set(key, level + 0.05 * (rssi - level));
    return true;
  }

  /** The learned own-pallet means, sorted by antenna, as [antenna, mean dBm, count] (changelog). */
  ownSnapshot(): Array<[string, number, number]> {
    return [...this.own.entries()]
      .map(([key, o]): [string, number, number] => [key, o.meanDbm, o.n])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Replace the own-pallet means with a snapshot's. */
  loadOwn(snapshot: ReadonlyArray<readonly [string, number, number]>): void {
    this.own.clear();
    for (const [key, meanDbm, n] of snapshot) this.own.set(key, { meanDbm, n });
  }

  /** The learned levels, sorted by antenna (deterministic), for a changelog. */
  snapshot(): Array<[string, number]> {
    return [...this.levels.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Replace the levels with a snapshot's. */
  load(snapshot: ReadonlyArray<readonly [string, number]>): void {
    this.levels.clear();
    for (const [key, level] of snapshot) this.levels.set(key, level);
  }
}
