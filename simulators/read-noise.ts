import { Prng } from './prng.js';
import type { SimulatedRead } from './simulation.js';

/**
 * Field noise applied to reads already simulated: missed reads, one reader whose clock is off, one
 * reader outage. Physical truth is untouched by it and the truth file does not record it. The
 * simulation can do the same itself (`SimulationOptions.readers` and `missProbability`), which also
 * powers no tag during an outage and records skew and outages in the truth; this filter remains for
 * runs that post-process a stream of reads (the accuracy command).
 */
export interface ReadNoiseOptions {
  /** Share of reads lost. Default 0.05. */
  missRate?: number;
  /** Reader whose clock is off, and by how much (µs, may be negative). */
  skew?: { readerId: string; offsetUs: number } | undefined;
  /** Reader that reports nothing during [fromUs, toUs). */
  outage?: { readerId: string; fromUs: number; toUs: number } | undefined;
}

export class ReadNoise {
  private readonly prng: Prng;
  private readonly missRate: number;
  readonly counters = { missed: 0, outage: 0, skewed: 0 };

  constructor(
    seed: number,
    private readonly options: ReadNoiseOptions = {},
  ) {
    this.prng = new Prng(seed).fork('read-noise');
    this.missRate = options.missRate ?? 0.05;
    if (!(this.missRate >= 0 && this.missRate < 1)) throw new RangeError('missRate must be in [0, 1)');
  }

  apply(reads: readonly SimulatedRead[]): SimulatedRead[] {
    const out: SimulatedRead[] = [];
    const { skew, outage } = this.options;
    for (const r of reads) {
      // The reader's own clock decides nothing here: the outage and misses are physical.
      if (
        outage &&
        r.readerId === outage.readerId &&
        r.read.seenAtUs >= outage.fromUs &&
        r.read.seenAtUs < outage.toUs
      ) {
        this.counters.outage++;
        continue;
      }
      if (this.missRate > 0 && this.prng.chance(this.missRate)) {
        this.counters.missed++;
        continue;
      }
      if (skew && r.readerId === skew.readerId) {
        this.counters.skewed++;
        out.push({ readerId: r.readerId, read: { ...r.read, seenAtUs: r.read.seenAtUs + skew.offsetUs } });
      } else out.push(r);
    }
    return out;
  }
}
