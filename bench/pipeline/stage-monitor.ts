import type { ProcessUsage } from './stage-processes.js';
import { toError } from './to-error.js';

/** How one stage is watched while the load runs. */
export interface StageProbe {
  name: string;
  /** What `consumed` counts, for the report: "batches", "observations", "records". */
  unit: string;
  /** Input the stage has taken so far (committed, or for the bridge: written to Kafka). */
  consumed(): Promise<number>;
  /** Input not yet taken. */
  lag(): Promise<number>;
  /**
   * Input that has arrived so far (records on the stage's input topics). Given for stages whose
   * records are packed (a record holds a flush's worth of observations, not a fixed number of
   * reads): their rate in reads is the share of arriving input they took, see `steadyOfferedPerSec`.
   */
  produced?(): Promise<number>;
  /** The stage's process usage, for its CPU (fails naming the stage if it has died). */
  usage(): Promise<ProcessUsage>;
}

/** A stage under load: what it took, how far behind it fell, and how busy it was. */
export interface StageLoadStats {
  unit: string;
  /** Input taken per second over the load phase. */
  inPerSec: number;
  /**
   * Input taken per second in the steady part of the load: the least-squares slope of what the stage
   * had taken over the second half of the load (no start-up, no drain).
   */
  steadyInPerSec: number;
  /**
   * `steadyInPerSec` in read equivalents (× the run's reads per unit of the stage's input), filled
   * in by the bench once the raw and output topics are counted; the pipeline's sustained rate is the
   * least of these.
   */
  steadyReadsPerSec: number;
  /** With `produced`: input arriving per second, in the same window and unit as `steadyInPerSec`. */
  steadyOfferedPerSec?: number;
  peakLag: number;
  /**
   * Slope of the lag over the second half of the load (least squares), per second. Near 0: the
   * stage keeps up; clearly positive: it falls further behind every second — a bottleneck.
   */
  lagGrowthPerSec: number;
  /** CPU time ÷ wall time over the load: 1 = one core fully busy (the machine has 2). */
  cpuCores: number;
}

const SAMPLE_MS = 2_000;

interface Sample {
  atMs: number;
  lag: number;
  consumed: number;
  produced: number;
}

/**
 * Samples every stage's lag and consumed count every 2 s during the load, and its CPU at the start
 * and the end. Keeps one small sample per stage per 2 s (a 5-minute run: 150 per stage), never
 * reads or messages, so memory stays flat however long the run.
 */
export class StageMonitor {
  private readonly samples = new Map<string, Sample[]>();
  private start: { atMs: number; consumed: Map<string, number>; cpu: Map<string, number> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(private readonly probes: StageProbe[]) {}

  async begin(): Promise<void> {
    const consumed = new Map<string, number>();
    const cpu = new Map<string, number>();
    for (const p of this.probes) {
      consumed.set(p.name, await p.consumed());
      cpu.set(p.name, (await p.usage()).cpuSec);
      this.samples.set(p.name, []);
    }
    this.start = { atMs: Date.now(), consumed, cpu };
    const tick = (): void => {
      this.sampling = this.sample().then(
        () => {
          if (this.timer) this.timer = setTimeout(tick, SAMPLE_MS);
        },
        (err: unknown) => {
          this.failure = toError(err);
        },
      );
    };
    this.timer = setTimeout(tick, SAMPLE_MS);
  }

  /** Stop sampling (the load ended) and summarise the load phase per stage. */
  async end(): Promise<Record<string, StageLoadStats>> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sampling;
    if (this.failure) throw this.failure;
    await this.sample();
    const start = this.start!;
    const wallSec = Math.max(0.001, (Date.now() - start.atMs) / 1000);
    const out: Record<string, StageLoadStats> = {};
    for (const p of this.probes) {
      const samples = this.samples.get(p.name)!;
      const consumed = (await p.consumed()) - start.consumed.get(p.name)!;
      const cpuSec = (await p.usage()).cpuSec - start.cpu.get(p.name)!;
      const secondHalf = samples.slice(Math.floor(samples.length / 2));
      out[p.name] = {
        unit: p.unit,
        inPerSec: consumed / wallSec,
        steadyInPerSec: Math.max(
          0,
          slopePerSec(secondHalf, (s) => s.consumed),
        ),
        steadyReadsPerSec: 0,
        ...(p.produced && {
          steadyOfferedPerSec: Math.max(
            0,
            slopePerSec(secondHalf, (s) => s.produced),
          ),
        }),
        peakLag: Math.max(0, ...samples.map((s) => s.lag)),
        lagGrowthPerSec: slopePerSec(secondHalf, (s) => s.lag),
        cpuCores: cpuSec / wallSec,
      };
    }
    return out;
  }

  private async sample(): Promise<void> {
    for (const p of this.probes) {
      const [lag, consumed, produced] = await Promise.all([p.lag(), p.consumed(), p.produced?.() ?? 0]);
      this.samples.get(p.name)!.push({ atMs: Date.now(), lag, consumed, produced });
    }
  }
}

/** Least-squares slope of `value` over time, per second; 0 with fewer than 2 samples. */
function slopePerSec(samples: readonly Sample[], value: (s: Sample) => number): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const meanT = samples.reduce((a, s) => a + s.atMs, 0) / n;
  const meanL = samples.reduce((a, s) => a + value(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.atMs - meanT) * (value(s) - meanL);
    den += (s.atMs - meanT) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 1000;
}
