import type { CatchUpResult } from './catch-up.js';
import type { StageDrain } from './drain.js';
import type { LatencySplit } from './deciding-read.js';
import type { Percentiles } from './latency.js';
import type { StageLoadStats } from './stage-monitor.js';
import type { ProcessUsage } from './stage-processes.js';

export interface BenchOptions {
  readers: number;
  /**
   * Reads per second per reader, or `'max'`: capacity mode, where the load generator publishes as
   * fast as the bridge takes the batches (at most `maxBacklog` waiting in the broker).
   */
  rate: number | 'max';
  durationSec: number;
  /** Reads per ReadBatch. */
  batch: number;
  maxInFlight: number;
  /** Capacity mode: batches published but not yet in the raw topic, at most. */
  maxBacklog: number;
  palletsPerZone: number;
  movesPerSec: number;
  /** Longest wait for the stages to drain after the load, in seconds. */
  drainTimeoutSec: number;
  baselines: boolean;
  keep: boolean;
  /** Run the sink with `--synchronous-commit` (COMMIT waits for the WAL flush). Default false. */
  synchronousCommit?: boolean;
  /**
   * The MQTT broker: `'private'` starts one of the bench's own with deploy/mosquitto's queue limits
   * (the default of `bondtrack bench`); `'external'` uses `mqttUrl`.
   */
  broker: 'private' | 'external';
  mqttUrl: string;
  kafkaBrokers: string[];
  databaseUrl: string;
  /** Write each stage's V8 CPU profile here when it stops (`bridge.cpuprofile`, …). */
  cpuProfileDir?: string;
  /** Phase and progress, for the progress bar. */
  onPhase?: (phase: string, done: number, total: number) => void;
}

export interface BenchResult {
  command: string;
  /** `rate`: the offered load is fixed; `capacity`: as much as the pipeline takes (`--rate max`). */
  mode: 'rate' | 'capacity';
  /**
   * How the sink commits: `asynchronous` (the default: rows visible at COMMIT, offsets committed
   * once the WAL flush passes) or `synchronous` (`--synchronous-commit`: COMMIT waits for the flush).
   */
  sinkCommit: 'asynchronous' | 'synchronous';
  site: string;
  topicPrefix: string;
  schema: string;
  /** The broker the load went through: the bench's own (with the settings it copied) or an external one. */
  mqtt: { broker: 'private' | 'external'; url: string; settings: string[] };
  readers: number;
  /** Reads per second per reader asked for; null in capacity mode. */
  ratePerReader: number | null;
  durationSec: number;
  batch: number;
  readsSent: number;
  batchesSent: number;
  /** Reads published per second (PUBACKed), over the load phase. */
  offeredReadsPerSec: number;
  /** Reads that reached the raw topic ÷ (first publish → every stage caught up, or the watch gave up). */
  readsPerSec: number;
  /**
   * The rate every stage sustained in the steady part of the load (its second half, no drain): the
   * least of the stages' `steadyReadsPerSec`. With `--rate max` this is the pipeline's capacity.
   */
  sustainedReadsPerSec: number;
  /** Capacity mode: share of the load the publishers were held back because the bridge was behind. */
  heldByBridgeShare: number | null;
  readsInRawTopic: number;
  lost: number;
  duplicated: number;
  observationsStored: number;
  /**
   * Reads the stored observations account for (the sum of their `count`): equal to the raw topic's
   * reads when every read is counted once (first reads are not stored, their window summaries are).
   */
  readsInObservations: number;
  zoneEventsStored: number;
  /**
   * System latency: the deciding read (the newest read of the evidence locate decided on) → zone
   * event stored in the database, over the events decided on reads of the steady half of the load
   * (the window `sustainedReadsPerSec` is taken over), however late they were stored. Excludes
   * locate's wait for evidence (see docs/benchmark.md).
   */
  latencyMs: Percentiles & { events: number };
  /**
   * The same over every stored event, start-up included: the first seconds, when every pallet of
   * the site arrives at once (one ARRIVED event each) while the stages are still cold.
   */
  latencyWholeRunMs: Percentiles & { events: number };
  /** Stored events whose deciding read could not be found (not in the events topic or no evidence). */
  eventsWithoutDecidingRead: number;
  /** Stored events without a stored time (`zone_events.stored_at`, migration 0007): left out. */
  eventsWithoutStoredTime: number;
  /**
   * The same split, over the same events as `latencyMs`, where locate produced the event: deciding read → produced (`decide`), produced →
   * stored (`store`); and `decide` split where dedup produced the observation holding the deciding
   * read: read → that observation (`observe`), observation → event (`locate`).
   */
  latencySplitMs: LatencySplit;
  /** The same split over every stored event (`latencyWholeRunMs`'s): where the start-up's time goes. */
  latencySplitWholeRunMs: LatencySplit;
  /**
   * First read of the evidence (the event's `atUs`) → stored: the previous headline, which includes
   * locate's evidence rule waiting for more reads.
   */
  firstEvidenceToStoredMs: Percentiles & { events: number };
  components: Record<string, ProcessUsage>;
  /** Each stage while the load ran: input taken per second, peak lag, lag growth, CPU cores. */
  stages: Record<string, StageLoadStats>;
  drain: Record<string, StageDrain>;
  /**
   * The stage that limits throughput: the first (upstream-most) that did not catch up after the
   * load, else the first whose lag kept growing during the load, else (rate mode) the one whose drain
   * most exceeded what it takes when it keeps up, or (capacity mode) the bridge when it held the
   * publishers back, else the load generator; null when every stage kept up with a fixed load.
   */
  bottleneck: string | null;
  /**
   * Latency hop by hop, each from a read (or publish) to a later point: publish → raw topic (broker
   * queue + bridge); newest read of an observation → observation produced, over every observation
   * (window summaries wait for their window to close, so this is not the decision's path); deciding
   * read → its observation produced (+ dedup, = latencySplitMs.observe); deciding read → zone event
   * produced (+ locate, = latencySplitMs.decide); zone event produced → stored (sink, =
   * latencySplitMs.store).
   */
  latencyHopsMs: {
    publishToRaw: Percentiles;
    readToObservation: Percentiles;
    decidingReadToObservation: Percentiles;
    readToEvent: Percentiles;
    eventToStored: Percentiles;
  };
  /**
   * When the headline p99 misses the 1 s goal, the stage that adds most to it at p99, along the
   * decision's path: bridge (publishToRaw), dedup (decidingReadToObservation − publishToRaw), locate
   * (readToEvent − decidingReadToObservation) or sink (eventToStored).
   */
  latencyBottleneck: string | null;
  /** The goals, as far as this run can tell (see docs/benchmark.md). */
  goals: {
    zeroLoss: boolean;
    /** Reads that reached Kafka per second in the steady part of the load (the bridge's) ≥ 100 000. */
    rawReadsPerSecAtLeast100k: boolean;
    /** sustainedReadsPerSec ÷ raw kafkajs consume ≥ 0.5; null without baselines. */
    kafkaConsumeRatioAtLeastHalf: boolean | null;
    /** Headline (deciding read → stored) p99 ≤ 1 s. */
    p99AtMost1s: boolean;
  };
  baselines?: {
    kafkaConsumeReadsPerSec: number;
    /**
     * The whole machine during the raw consume: cores busy (the consumer, the broker serving it,
     * anything else), cores stolen, CPU µs per read.
     */
    kafkaConsumeMachine: { busyCores: number; stealCores: number; coreUsPerRead: number };
    copyRowsPerSec: number;
    copyRows: number;
    mqttReadsPerSec: number;
  };
  /**
   * What ÷ raw Kafka consume ≥ 0.5 asks of this machine: half the raw consume's rate, and the CPU µs
   * per read its cores allow at that rate if every one of them is busy; next to what the catch-up
   * spent per read, every process together (`catchUp.machine`), and what the raw consume spent.
   */
  kafkaConsumeHalf?: {
    readsPerSec: number;
    cores: number;
    coreUsPerReadAllowed: number;
    catchUpCoreUsPerRead: number | null;
    rawConsumeCoreUsPerRead: number;
  };
  /**
   * With baselines: dedup, locate and the sink again, from nothing, over the run's raw topic with the
   * machine to themselves, as the raw consume had it (bench/pipeline/catch-up.ts): how fast the
   * pipeline works off a backlog, and which stage spends the most CPU per read.
   */
  catchUp?: CatchUpResult;
  /**
   * Ours ÷ raw: sustainedReadsPerSec ÷ Kafka consume (the live run: the load generator, MQTT broker
   * and bridge share the cores), the catch-up's reads/s ÷ Kafka consume (like for like: the same
   * topic, nothing else running), observations/s ÷ COPY, sustained ÷ MQTT.
   */
  ratios?: { kafkaConsume: number; kafkaConsumeCatchUp: number; copy: number; mqtt: number };
}
