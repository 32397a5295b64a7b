import type { Observation } from '../../schemas/index.js';

/** Observations a learned mean needs before it is trusted (own-pallet and cross-read means). */
const TRUST_AFTER = 8;
/** A learned mean becomes a moving mean over about this many observations. */
const MEAN_CAP = 100;
/**
 * A read this far or less below its antenna's own-pallet mean is not learnt as a cross-read: it is
 * more likely a pallet that has just moved into the antenna's zone and is not placed there yet.
 */
const NOT_CROSS_WITHIN_DB = 3;

interface Mean {
  meanDbm: number;
  n: number;
}

/**
 * Means per antenna, in antenna order: pooling them sums in that order, so a worker that restored
 * them from a changelog (sorted) computes the very same numbers as one that learnt them as they
 * came (the exactly-once test compares events down to their confidence).
 */
class Means {
  private readonly byKey = new Map<string, Mean>();
  private readonly sorted: Mean[] = [];
  private readonly keys: string[] = [];

  get(key: string): Mean | undefined {
    return this.byKey.get(key);
  }

  /** A running mean over the first observations, then a moving one (~MEAN_CAP observations). */
  learn(key: string, rssi: number): void {
    const m = this.byKey.get(key);
    if (m) {
      m.n = Math.min(m.n + 1, MEAN_CAP);
      m.meanDbm += (rssi - m.meanDbm) / m.n;
      return;
    }
    const added = { meanDbm: rssi, n: 1 };
    let i = 0;
    while (i < this.keys.length && this.keys[i]! < key) i++;
    this.keys.splice(i, 0, key);
    this.sorted.splice(i, 0, added);
    this.byKey.set(key, added);
  }

  /** The mean of the trusted means, or undefined if none is. */
  pooled(): number | undefined {
    let sum = 0;
    let count = 0;
    for (const m of this.sorted) {
      if (m.n < TRUST_AFTER) continue;
      sum += m.meanDbm;
      count++;
    }
    return count === 0 ? undefined : sum / count;
  }

  snapshot(): Array<[string, number, number]> {
    return this.keys.map((key, i): [string, number, number] => [
      key,
      this.sorted[i]!.meanDbm,
      this.sorted[i]!.n,
    ]);
  }

  load(snapshot: ReadonlyArray<readonly [string, number, number]>): void {
    this.byKey.clear();
    this.keys.length = 0;
    this.sorted.length = 0;
    for (const [key, meanDbm, n] of [...snapshot].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const m = { meanDbm, n };
      this.byKey.set(key, m);
      this.keys.push(key);
      this.sorted.push(m);
    }
  }
}

/**
 * What RSSI each antenna (reader, port) reads its own zone's pallets at, and what it reads the
 * neighbouring zones' pallets at (cross-reads), learned from what it reads, to tell the two apart.
 *
 * - `own`: mean RSSI of observations of pallets placed in the antenna's zone.
 * - `cross`: mean RSSI of observations of pallets placed in another zone and read there at the same
 *   time (see LocateOperator), i.e. labelled cross-reads.
 * - `levels`: a level that rises fast and falls slowly (ignoring reads `strongMarginDb` below it),
 *   for the start, before an antenna has own-pallet observations.
 *
 * An observation is *strong* (own-zone evidence) when read at least at the midpoint of the two
 * means: the classifier that follows whatever separation the site has (in the simulator's RF model
 * cross-reads come ~20 dB under the own-pallet mean: 10 dB of racking and 6 m more path). Before an
 * antenna has its own means, the means over the antennas that have them stand in; with no cross-read
 * mean anywhere yet, `strongMarginDb` under the own-pallet mean; with no own-pallet mean anywhere,
 * `strongMarginDb` under the level.
 */
export class AntennaLevels {
  private readonly levels = new Map<string, number>();
  private readonly own = new Means();
  private readonly cross = new Means();

  constructor(
    private readonly strongMarginDb: number,
    private readonly sureMarginDb = 2,
  ) {}

  /**
   * Is this observation read within `sureMarginDb` of the mean its antenna reads its own pallets at
   * (or above)? Only once that mean is trusted. Does not learn.
   */
  isSure(obs: Observation): boolean {
    const rssi = obs.meanRssiDbm;
    if (rssi === undefined) return false; // without RSSI only the slower count of windows decides
    const own = this.own.get(antennaKey(obs));
    return own !== undefined && own.n >= TRUST_AFTER && rssi >= own.meanDbm - this.sureMarginDb;
  }

  /**
   * The RSSI from which on this observation's antenna reads count as strong (see the class), before
   * learning from it; undefined while nothing is known about the antenna.
   */
  strongFromDbm(obs: Observation): number | undefined {
    const key = antennaKey(obs);
    const own = trusted(this.own.get(key)) ?? this.own.pooled();
    if (own !== undefined) {
      const cross = trusted(this.cross.get(key)) ?? this.cross.pooled();
      // A cross-read mean above the own one would be mislabelled reads: ignore it.
      return cross !== undefined && cross < own ? (own + cross) / 2 : own - this.strongMarginDb;
    }
    const level = this.levels.get(key);
    return level === undefined ? undefined : level - this.strongMarginDb;
  }

  /** Learn from an observation of a pallet in its antenna's zone (the pallet's current zone). */
  learnOwn(obs: Observation): void {
    if (obs.meanRssiDbm !== undefined) this.own.learn(antennaKey(obs), obs.meanRssiDbm);
  }

  /** Learn from an observation of a pallet that is, at the same time, read strongly in another zone. */
  learnCross(obs: Observation): void {
    const rssi = obs.meanRssiDbm;
    if (rssi === undefined) return;
    const key = antennaKey(obs);
    const own = trusted(this.own.get(key));
    if (own !== undefined && rssi > own - NOT_CROSS_WITHIN_DB) return;
    this.cross.learn(key, rssi);
  }

  /** Is this observation read about as strongly as its antenna reads its own zone? Learns from it. */
  isStrong(obs: Observation): boolean {
    const rssi = obs.meanRssiDbm;
    if (rssi === undefined) return true; // a reader without RSSI: every read counts
    const key = antennaKey(obs);
    const from = this.strongFromDbm(obs);
    const level = this.levels.get(key);
    if (level === undefined || rssi > level) {
      this.levels.set(key, level === undefined ? rssi : level + 0.5 * (rssi - level));
    } else if (rssi >= level - this.strongMarginDb) {
      this.levels.set(key, level + 0.05 * (rssi - level));
    }
    return from === undefined || rssi >= from;
  }

  /** The learned own-pallet means, sorted by antenna, as [antenna, mean dBm, count] (changelog). */
  ownSnapshot(): Array<[string, number, number]> {
    return this.own.snapshot();
  }

  /** Replace the own-pallet means with a snapshot's. */
  loadOwn(snapshot: ReadonlyArray<readonly [string, number, number]>): void {
    this.own.load(snapshot);
  }

  /** The learned cross-read means, as `ownSnapshot` (changelog). */
  crossSnapshot(): Array<[string, number, number]> {
    return this.cross.snapshot();
  }

  /** Replace the cross-read means with a snapshot's. */
  loadCross(snapshot: ReadonlyArray<readonly [string, number, number]>): void {
    this.cross.load(snapshot);
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

function antennaKey(obs: Observation): string {
  return `${obs.readerId}\u0000${obs.antenna}`;
}

function trusted(mean: Mean | undefined): number | undefined {
  return mean !== undefined && mean.n >= TRUST_AFTER ? mean.meanDbm : undefined;
}
