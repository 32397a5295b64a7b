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
  /**
   * Samples the steady rates are taken over: those of the second half of the load, or the last two
   * when sampling was slower than that (a saturated machine answering offsets late).
   */
  steadySamples: number;
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

/** Default sampling period; a short run samples more often (see `sampleEveryMs`). */
const SAMPLE_MS = 2_000;

/**
 * The sampling period for a load of `durationSec`: about 20 samples, every 250 ms to 2 s, so a
 * 10-second load has ~10 in its second half rather than 2 or 3.
 */
export function sampleEveryMs(durationSec: number): number {
  return Math.min(SAMPLE_MS, Math.max(250, (durationSec * 1000) / 20));
}

interface Sample {
  atMs: number;
  lag: number;
  consumed: number;
  produced: number;
}

/**
 * Samples every stage's lag and consumed count during the load (all stages at once, at its start,
 * every `sampleMs` and at its end), and its CPU at the start and the end. Keeps one small sample
 * per stage per period (a 5-minute run: 150 per stage), never reads or messages, so memory stays
 * flat however long the run.
 */
export class StageMonitor {
  private readonly samples = new Map<string, Sample[]>();
  private start: { atMs: number; cpu: Map<string, number> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly probes: StageProbe[],
    private readonly sampleMs = SAMPLE_MS,
  ) {}

  async begin(): Promise<void> {
    const cpu = new Map<string, number>();
    for (const p of this.probes) {
      cpu.set(p.name, (await p.usage()).cpuSec);
      this.samples.set(p.name, []);
    }
    this.start = { atMs: Date.now(), cpu };
    await this.sample();
    const tick = (): void => {
      this.sampling = this.sample().then(
        () => {
          if (this.timer) this.timer = setTimeout(tick, this.sampleMs);
        },
        (err: unknown) => {
          this.failure = toError(err);
        },
      );
    };
    this.timer = setTimeout(tick, this.sampleMs);
  }

  /** Stop sampling without a summary (the load failed): no timer is left to keep the process alive. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sampling.catch(() => undefined);
  }

  /** Stop sampling (the load ended) and summarise the load phase per stage. */
  async end(): Promise<Record<string, StageLoadStats>> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sampling;
    if (this.failure) throw this.failure;
    const endAtMs = Date.now();
    await this.sample();
    const start = this.start!;
    const wallSec = Math.max(0.001, (endAtMs - start.atMs) / 1000);
    const out: Record<string, StageLoadStats> = {};
    for (const p of this.probes) {
      const samples = this.samples.get(p.name)!;
      const first = samples[0]!;
      const last = samples[samples.length - 1]!;
      const cpuSec = (await p.usage()).cpuSec - start.cpu.get(p.name)!;
      const steady = steadyWindow(samples, (start.atMs + endAtMs) / 2);
      out[p.name] = {
        unit: p.unit,
        inPerSec: (last.consumed - first.consumed) / wallSec,
        steadyInPerSec: Math.max(
          0,
          slopePerSec(steady, (s) => s.consumed),
        ),
        steadyReadsPerSec: 0,
        steadySamples: steady.length,
        ...(p.produced && {
          steadyOfferedPerSec: Math.max(
            0,
            slopePerSec(steady, (s) => s.produced),
          ),
        }),
        peakLag: Math.max(0, ...samples.map((s) => s.lag)),
        lagGrowthPerSec: slopePerSec(steady, (s) => s.lag),
        cpuCores: cpuSec / wallSec,
      };
    }
    return out;
  }

  /** One sample of every stage, taken together: a loaded broker answers slowly, not in turn. */
  private async sample(): Promise<void> {
    await Promise.all(
      this.probes.map(async (p) => {
        const [lag, consumed, produced] = await Promise.all([p.lag(), p.consumed(), p.produced?.() ?? 0]);
        this.samples.get(p.name)!.push({ atMs: Date.now(), lag, consumed, produced });
      }),
    );
  }
}

/**
 * The samples of the load's second half (no start-up); at least the last two, so that a load whose
 * sampling was slow (a saturated machine answering the broker's offsets late) still has a slope,
 * over a longer window, rather than none.
 */
export function steadyWindow<T extends { atMs: number }>(samples: readonly T[], fromMs: number): T[] {
  const window = samples.filter((s) => s.atMs >= fromMs);
  return window.length >= 2 ? window : samples.slice(-2);
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
