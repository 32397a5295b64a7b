import type { Prng } from './prng.js';
import type { Gen2Session, RfProfile } from './profiles.js';

/** One tag's inventoried flag for one reader. */
interface TagFlag {
  /** The flag is B (already inventoried): the tag sits out single-target A rounds. */
  inventoried: boolean;
  /** S1: the flag falls back to A at this time whatever the power. */
  expiresUs: number;
  /** Last slot in which one of the reader's antennas powered the tag. */
  lastPoweredUs: number;
}

/**
 * Which tags answer a reader's inventory round, after EPC UHF Gen2 §6.3.2.2 (Table 6.20, "Tag flag
 * persistence") for a reader doing single-target inventories of flag A:
 *
 * - S0: the flag persists only while the tag is powered. The simulated reader cycles its antennas
 *   and drops the carrier between rounds, so every round finds the tag at A: it answers every time
 *   it is in the field (continuous re-reads, the simulator's historical behaviour).
 * - S1: once read, the flag stays B for a persistence drawn in `s1PersistenceSec` (0.5-5 s),
 *   powered or not; the tag is then read again. A pallet in the field is re-read every few seconds.
 * - S2, S3: the flag stays B while the tag is powered and for `s23PersistenceSec` (> 2 s) after the
 *   power goes. A reader cycling its antennas powers a tag often enough to keep it B, so a pallet
 *   sitting in the field is read once; it is read again only after it has been out of every field
 *   of that reader (moved away, or the reader was down) for longer than the persistence.
 *
 * Flags are per reader: readers are assumed to use distinct sessions or to be far enough apart
 * (a real S2 tag shared by two readers on the same session would answer only one of them).
 */
export class Gen2SessionModel {
  private readonly flags = new Map<string, TagFlag>();

  constructor(
    readonly session: Gen2Session,
    private readonly rf: RfProfile,
    private readonly prng: Prng,
  ) {}

  /**
   * A slot powers `epc` at `atUs`: true when the tag takes part in the round (its flag is A). Call
   * for every tag in the antenna's field, read or not, so that S2/S3 persistence sees the power.
   */
  powered(epc: string, atUs: number): boolean {
    if (this.session === 'S0') return true;
    const flag = this.flags.get(epc);
    if (flag === undefined) return true;
    const unpoweredUs = atUs - flag.lastPoweredUs;
    flag.lastPoweredUs = atUs;
    if (!flag.inventoried) return true;
    const expired =
      this.session === 'S1' ? atUs >= flag.expiresUs : unpoweredUs > this.rf.s23PersistenceSec * 1_000_000;
    if (expired) flag.inventoried = false;
    return !flag.inventoried;
  }

  /** The tag answered (was singulated) in the slot at `atUs`: its flag goes to B. */
  inventoried(epc: string, atUs: number): void {
    if (this.session === 'S0') return;
    const [min, max] = this.rf.s1PersistenceSec;
    const expiresUs =
      this.session === 'S1' ? atUs + Math.round(this.prng.uniform(min, max) * 1_000_000) : Infinity;
    this.flags.set(epc, { inventoried: true, expiresUs, lastPoweredUs: atUs });
  }
}
