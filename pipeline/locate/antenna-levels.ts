import type { Observation } from '../../schemas/index.js';

/**
 * The RSSI at which each antenna (reader, port) reads the pallets of its own zone, learned from
 * what it reads: it rises fast (so a first cross-read does not set it low for long), falls slowly,
 * and ignores reads more than `strongMarginDb` below it. Cross-reads from a neighbouring zone arrive
 * about 10 dB weaker than the antenna's own pallets (the simulator's RF model, and the field).
 */
export class AntennaLevels {
  private readonly levels = new Map<string, number>();

  constructor(private readonly strongMarginDb: number) {}

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
