import type pg from 'pg';
import { quoteIdent } from '../../pipeline/sink/sql-identifier.js';
import {
  groupCpuBetween,
  machineCpuBetween,
  sampleGroupTicks,
  sampleMachineCpu,
  type GroupTicks,
  type MachineCpuSample,
} from './machine-cpu.js';
import { StageProcess } from './stage-processes.js';

/** The stages of a catch-up, downstream first so that nothing waits for a consumer group to form. */
const CATCH_UP_STAGES = ['sink', 'locate', 'dedup'] as const;
const SAMPLE_MS = 500;
/**
 * The progress query sums the whole observations table (1.3M rows in a 5-minute run's catch-up):
 * it waits at least this many times its own last duration before the next, so PostgreSQL spends at
 * most ~5% of a core on it and the catch-up measured is not slowed by its own measurement.
 */
const SAMPLE_WAIT_PER_QUERY_TIME = 20;
/**
 * The rate is taken between these shares of the reads stored: past the stages' start and before the
 * tail, where the last windows of every reader wait for dedup's idle flush (5 s without input). That
 * tail is the last ~2 s of event time: 3% of a 60 s run, 20% of a 10 s one.
 */
const RATE_FROM_SHARE = 0.1;
const RATE_TO_SHARE = 0.7;

export interface CatchUpResult {
  /** Reads the catch-up's stored observations count (the sum of their `count`). */
  readsStored: number;
  /** Every read of the raw topic was counted in storage before the timeout. */
  complete: boolean;
  /** Stages running (dedup ready) → every read counted in storage, or the timeout. */
  seconds: number;
  /**
   * Reads counted in storage per second while the catch-up was in full flow: between 10% and 70% of
   * the reads (`rateBetween`). The counterpart of the raw consume: the same topic, the machine to
   * itself, no load generator, MQTT broker or bridge competing for the cores.
   */
  readsPerSec: number;
  /** Per stage: CPU seconds over the catch-up, CPU µs per read, cores (CPU ÷ wall time), peak RSS. */
  stages: Record<string, { cpuSec: number; cpuUsPerRead: number; cores: number; peakRssMb: number }>;
  /** The stage that used the most CPU per read: the first to run out of its core. */
  busiest: string;
  /**
   * The whole machine while the catch-up was in full flow (the samples around 10% and 70% of the
   * reads stored); undefined when too few samples fell there.
   */
  machine?: CatchUpMachine;
}

/**
 * Where the cores went while the catch-up was in full flow: the stages', and everything else's
 * (the Kafka broker serving three consumers and two producers, PostgreSQL, the bench's sampling).
 */
export interface CatchUpMachine {
  /** The window the figures cover: between the samples around 10% and 70% of the reads stored. */
  seconds: number;
  /** Cores busy on average, every process together (the machine's count is the most there is). */
  busyCores: number;
  /** Cores the hypervisor gave to someone else meanwhile. */
  stealCores: number;
  /** The machine's CPU µs per read stored in the window: what a read costs, all told. */
  coreUsPerRead: number;
  /** Each stage's CPU µs per read stored in the window. */
  stagesCoreUsPerRead: Record<string, number>;
  /** PostgreSQL's processes (backends, WAL writer, checkpointer, autovacuum), per read. */
  postgresCoreUsPerRead: number;
  /** Java's processes: the Kafka broker (serving three consumers and two producers), per read. */
  javaCoreUsPerRead: number;
  /** The rest of the machine's: the bench's sampling, the OS, processes that exited meanwhile. */
  otherCoreUsPerRead: number;
}

/** A progress sample with the machine's CPU time and each stage's CPU seconds at that moment. */
export interface CpuSample extends StoredSample {
  machine: MachineCpuSample;
  stageCpuSec: Record<string, number>;
  groups: GroupTicks;
}

export interface CatchUpOptions {
  /** `bondtrack pipeline` arguments for the catch-up's own prefix and schema (with `--reads-prefix`). */
  args: string[];
  schema: string;
  /** Reads in the raw topic: the catch-up is complete when storage counts them all. */
  expectedReads: number;
  pool: pg.Pool;
  timeoutMs: number;
  cpuProfileDir?: string;
  onProgress?: (stored: number, expected: number) => void;
}

/** One sample: milliseconds since the stages ran, reads counted in storage. */
export interface StoredSample {
  atMs: number;
  reads: number;
}

/**
 * Reads per second between the moments the count crossed `fromReads` and `toReads`, each found by
 * linear interpolation between the samples around it; undefined when the samples never reach
 * `toReads` or the crossings coincide.
 */
export function rateBetween(
  samples: readonly StoredSample[],
  fromReads: number,
  toReads: number,
): number | undefined {
  const crossing = (reads: number): number | undefined => {
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (s.reads < reads) continue;
      if (i === 0) return s.atMs;
      const before = samples[i - 1]!;
      return before.atMs + ((reads - before.reads) / (s.reads - before.reads)) * (s.atMs - before.atMs);
    }
    return undefined;
  };
  const from = crossing(fromReads);
  const to = crossing(toReads);
  if (from === undefined || to === undefined || to <= from) return undefined;
  return ((toReads - fromReads) / (to - from)) * 1000;
}

/**
 * The machine's and the stages' CPU between the samples around the moments the count crossed
 * `fromReads` and `toReads` (the last sample below the first mark, the first at or past the second),
 * per read stored between those two samples; undefined when there is no such pair or nothing was
 * stored between them.
 */
export function machineDuringFlow(
  samples: readonly CpuSample[],
  fromReads: number,
  toReads: number,
): CatchUpMachine | undefined {
  const end = samples.findIndex((s) => s.reads >= toReads);
  if (end <= 0) return undefined;
  let start = 0;
  for (let i = 0; i < end; i++) if (samples[i]!.reads < fromReads) start = i;
  const a = samples[start]!;
  const b = samples[end]!;
  const reads = b.reads - a.reads;
  if (reads <= 0) return undefined;
  const use = machineCpuBetween(a.machine, b.machine);
  const groups = groupCpuBetween(a.groups, b.groups);
  const stagesCoreUsPerRead: Record<string, number> = {};
  let stagesSec = 0;
  for (const [name, cpuSec] of Object.entries(b.stageCpuSec)) {
    const spent = cpuSec - (a.stageCpuSec[name] ?? 0);
    stagesSec += spent;
    stagesCoreUsPerRead[name] = (spent * 1e6) / reads;
  }
  return {
    seconds: (b.atMs - a.atMs) / 1000,
    busyCores: use.busyCores,
    stealCores: use.stealCores,
    coreUsPerRead: (use.busySec * 1e6) / reads,
    stagesCoreUsPerRead,
    postgresCoreUsPerRead: (groups.postgres * 1e6) / reads,
    javaCoreUsPerRead: (groups.java * 1e6) / reads,
    // Never below 0: the machine's and the processes' clocks tick apart, by a tick or so each.
    otherCoreUsPerRead: Math.max(
      0,
      ((use.busySec - stagesSec - groups.postgres - groups.java) * 1e6) / reads,
    ),
  };
}

/**
 * Dedup, locate and the sink run again, from nothing, over the run's raw topic (the bench has
 * stopped its own stages): a pipeline of its own prefix and schema taking the raw reads from the
 * run's (`--reads-prefix`), as a shadow deployment would. What an operator sees after an outage,
 * when the whole backlog waits, and the like-for-like counterpart of the raw consume baseline.
 */
export async function measureCatchUp(options: CatchUpOptions): Promise<CatchUpResult> {
  const stages: StageProcess[] = [];
  const profileDir = options.cpuProfileDir;
  try {
    for (const name of CATCH_UP_STAGES) {
      const child = new StageProcess(name, options.args, profileDir);
      stages.push(child);
      await child.ready();
    }
    const stageCpuSec = async (): Promise<Record<string, number>> => {
      const usage = await Promise.all(stages.map(async (s) => [s.stage, (await s.usage()).cpuSec] as const));
      return Object.fromEntries(usage);
    };
    const cpuAtStart = await stageCpuSec();
    const startedMs = performance.now();
    const samples: CpuSample[] = [
      { atMs: 0, reads: 0, machine: sampleMachineCpu(), stageCpuSec: cpuAtStart, groups: sampleGroupTicks() },
    ];
    const table = `${quoteIdent(options.schema)}.observations`;
    let stored = 0;
    let queryMs = 0;
    while (stored < options.expectedReads && performance.now() - startedMs < options.timeoutMs) {
      const waitMs = Math.max(SAMPLE_MS, SAMPLE_WAIT_PER_QUERY_TIME * queryMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const died = stages.find((s) => !s.running);
      if (died) throw new Error(`catch-up stage ${died.stage} exited:\n${died.tail()}`);
      const queriedMs = performance.now();
      const {
        rows: [row],
      } = await options.pool.query<{ reads: string }>(
        `SELECT coalesce(sum(count), 0)::bigint AS reads FROM ${table}`,
      );
      queryMs = performance.now() - queriedMs;
      stored = Number(row?.reads ?? 0);
      samples.push({
        atMs: performance.now() - startedMs,
        reads: stored,
        machine: sampleMachineCpu(),
        stageCpuSec: await stageCpuSec(),
        groups: sampleGroupTicks(),
      });
      options.onProgress?.(stored, options.expectedReads);
    }
    const seconds = (performance.now() - startedMs) / 1000;
    const perStage: CatchUpResult['stages'] = {};
    for (const s of stages) {
      const usage = await s.usage();
      const cpuSec = usage.cpuSec - cpuAtStart[s.stage]!;
      perStage[s.stage] = {
        cpuSec,
        cpuUsPerRead: (cpuSec * 1e6) / Math.max(1, stored),
        cores: cpuSec / Math.max(seconds, 0.001),
        peakRssMb: usage.peakRssMb,
      };
    }
    const fromReads = RATE_FROM_SHARE * options.expectedReads;
    const toReads = RATE_TO_SHARE * options.expectedReads;
    const rate = rateBetween(samples, fromReads, toReads);
    const machine = machineDuringFlow(samples, fromReads, toReads);
    return {
      readsStored: stored,
      complete: stored >= options.expectedReads,
      seconds,
      readsPerSec: rate ?? stored / Math.max(seconds, 0.001),
      stages: perStage,
      busiest: Object.entries(perStage).sort((a, b) => b[1].cpuUsPerRead - a[1].cpuUsPerRead)[0]![0],
      ...(machine && { machine }),
    };
  } finally {
    await Promise.allSettled(stages.map((s) => s.stop()));
  }
}
