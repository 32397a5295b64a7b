import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { ensureTopics } from '../../pipeline/runtime/topics.js';
import { quoteIdent } from '../../pipeline/sink/sql-identifier.js';
import { kafkaTopics, type KafkaTopics } from '../../schemas/index.js';
import { consumeRawTopic, copyObservations, mqttRoundTrip } from './baselines.js';
import { groupLag, topicEnd } from './consumer-lag.js';
import { watchDrain, type StageDrain } from './drain.js';
import { EventTimestamps } from './event-timestamps.js';
import { ZoneEventLatency, type Percentiles } from './latency.js';
import { generateLoad } from './load-generator.js';
import { observationDelays } from './observation-delays.js';
import { StageMonitor, type StageLoadStats } from './stage-monitor.js';
import { StageProcess, readUsage, type ProcessUsage } from './stage-processes.js';
import { SyntheticSite } from './synthetic-site.js';

export interface BenchOptions {
  readers: number;
  /** Reads per second per reader. */
  rate: number;
  durationSec: number;
  /** Reads per ReadBatch. */
  batch: number;
  maxInFlight: number;
  palletsPerZone: number;
  movesPerSec: number;
  /** Longest wait for the stages to drain after the load, in seconds. */
  drainTimeoutSec: number;
  baselines: boolean;
  keep: boolean;
  mqttUrl: string;
  kafkaBrokers: string[];
  databaseUrl: string;
  /** Phase and progress, for the progress bar. */
  onPhase?: (phase: string, done: number, total: number) => void;
}

export interface BenchResult {
  command: string;
  site: string;
  topicPrefix: string;
  schema: string;
  readers: number;
  ratePerReader: number;
  durationSec: number;
  batch: number;
  readsSent: number;
  batchesSent: number;
  /** Reads published per second (PUBACKed), over the load phase. */
  offeredReadsPerSec: number;
  /** Reads that reached the raw topic ÷ (first publish → every stage caught up, or the watch gave up). */
  readsPerSec: number;
  readsInRawTopic: number;
  lost: number;
  duplicated: number;
  observationsStored: number;
  zoneEventsStored: number;
  /** Read (event time: the first read of the evidence) → zone event stored in the database. */
  latencyMs: Percentiles & { events: number };
  /** The same split where locate produced the event: read → produced, produced → stored. */
  latencySplitMs: { decide: Percentiles; store: Percentiles };
  components: Record<string, ProcessUsage>;
  /** Each stage while the load ran: input taken per second, peak lag, lag growth, CPU cores. */
  stages: Record<string, StageLoadStats>;
  drain: Record<string, StageDrain>;
  /**
   * The stage that limits throughput: the first (upstream-most) that did not catch up after the
   * load, else the first whose lag kept growing during the load, else the one whose drain most
   * exceeded what it takes when it keeps up; null when every stage kept up.
   */
  bottleneck: string | null;
  /**
   * Latency hop by hop, each from the read (or publish) to a later point: publish → raw topic (broker
   * queue + bridge), read → observation produced (+ dedup), read → zone event produced (+ locate,
   * = latencySplitMs.decide), zone event produced → stored (sink, = latencySplitMs.store).
   */
  latencyHopsMs: {
    publishToRaw: Percentiles;
    readToObservation: Percentiles;
    readToEvent: Percentiles;
    eventToStored: Percentiles;
  };
  /**
   * When read → stored p99 misses the 1 s goal, the stage that adds most to it at p99: bridge
   * (publishToRaw), dedup (readToObservation − publishToRaw), locate (readToEvent −
   * readToObservation) or sink (eventToStored).
   */
  latencyBottleneck: string | null;
  /** The goals, as far as this run can tell (see docs/benchmark.md). */
  goals: {
    zeroLoss: boolean;
    /** Reads that reached Kafka per second over the load phase ≥ 100 000. */
    rawReadsPerSecAtLeast100k: boolean;
    /** readsPerSec ÷ raw kafkajs consume ≥ 0.5; null without baselines. */
    kafkaConsumeRatioAtLeastHalf: boolean | null;
    p99AtMost1s: boolean;
  };
  baselines?: {
    kafkaConsumeReadsPerSec: number;
    copyRowsPerSec: number;
    copyRows: number;
    mqttReadsPerSec: number;
  };
  ratios?: { kafkaConsume: number; copy: number; mqtt: number };
}

const STAGES = ['sink', 'locate', 'dedup', 'bridge'] as const;
/**
 * Drain time a stage has even when it keeps up: dedup commits no further than its open windows
 * (1 s windows, 1 s allowed lateness) and flushes an idle reader's windows after 5 s of processing
 * time; locate decides the last zone events only from those flushed windows; the bridge and the
 * sink commit what they consumed within a poll or two.
 */
const EXPECTED_DRAIN_SEC: Record<string, number> = { bridge: 1, dedup: 7, locate: 7, sink: 2 };
const PAYLOADS_KEPT = 1_000;
/** A stage whose lag grew by more than this share of its input rate, per second, fell behind. */
const FALLING_BEHIND_SHARE = 0.02;
const LATENCY_GOAL_MS = 1_000;
const MQTT_BASELINE_MAX_MESSAGES = 30_000;

function stageGroups(prefix: string, topics: KafkaTopics): Record<string, string[]> {
  return {
    [`${prefix}.dedup`]: [topics.reads],
    [`${prefix}.locate`]: [topics.observations],
    [`${prefix}.sink`]: [topics.observations, topics.events, topics.alerts],
  };
}

/** Run the pipeline benchmark end to end; every name it creates is random and removed afterwards. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const id = randomBytes(4).toString('hex');
  const siteId = `BENCH-${id}`;
  const topicPrefix = `bench_${id}`;
  const schema = `bench_${id}`;
  const topics = kafkaTopics(topicPrefix);
  const site = new SyntheticSite(siteId, options.readers, options.palletsPerZone);
  const work = await mkdtemp(join(tmpdir(), 'bondtrack-bench-'));
  const siteFile = join(work, 'site.json');
  await writeFile(siteFile, JSON.stringify(site.layout));

  const kafka = new Kafka({
    clientId: 'bondtrack-bench',
    brokers: options.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  const stages: StageProcess[] = [];
  const eventTimes = new EventTimestamps(kafka, topics.events);
  let latency: ZoneEventLatency | undefined;
  try {
    await ensureTopics(admin, topics);
    const args = [
      '--site',
      siteFile,
      '--topic-prefix',
      topicPrefix,
      '--schema',
      schema,
      '--kafka-brokers',
      options.kafkaBrokers.join(','),
      '--mqtt-url',
      options.mqttUrl,
      '--database-url',
      options.databaseUrl,
    ];
    options.onPhase?.('starting stages', 0, STAGES.length);
    // Downstream first, so that nothing waits for a consumer group to form.
    for (const stage of STAGES) {
      const child = new StageProcess(stage, args);
      stages.push(child);
      await child.ready();
      options.onPhase?.('starting stages', stages.length, STAGES.length);
    }

    const startUs = Date.now() * 1000;
    latency = new ZoneEventLatency(pool, schema, siteId, startUs);
    latency.start();
    await eventTimes.start();
    const total = options.readers * Math.round(options.rate * options.durationSec);
    const groups = stageGroups(topicPrefix, topics);
    const lagOf = (name: string) =>
      groupLag(admin, `${topicPrefix}.${name}`, groups[`${topicPrefix}.${name}`]!);
    const ends = async (list: string[]) =>
      (await Promise.all(list.map((t) => topicEnd(admin, t)))).reduce((a, b) => a + b, 0);
    const stageNamed = (name: string) => stages.find((s) => s.stage === name)!;
    let batchesSoFar = 0;
    const sinkInputs = [topics.observations, topics.events, topics.alerts];
    const monitor = new StageMonitor([
      {
        name: 'bridge',
        unit: 'batches',
        usage: () => stageNamed('bridge').usage(),
        consumed: () => topicEnd(admin, topics.reads),
        lag: async () => Math.max(0, batchesSoFar - (await topicEnd(admin, topics.reads))),
      },
      {
        name: 'dedup',
        unit: 'batches',
        usage: () => stageNamed('dedup').usage(),
        consumed: async () => (await topicEnd(admin, topics.reads)) - (await lagOf('dedup')),
        lag: () => lagOf('dedup'),
      },
      {
        name: 'locate',
        unit: 'observations',
        usage: () => stageNamed('locate').usage(),
        consumed: async () => (await topicEnd(admin, topics.observations)) - (await lagOf('locate')),
        lag: () => lagOf('locate'),
      },
      {
        name: 'sink',
        unit: 'records',
        usage: () => stageNamed('sink').usage(),
        consumed: async () => (await ends(sinkInputs)) - (await lagOf('sink')),
        lag: () => lagOf('sink'),
      },
    ]);
    await monitor.begin();
    const load = await generateLoad(site, {
      mqttUrl: options.mqttUrl,
      readers: options.readers,
      ratePerReader: options.rate,
      durationSec: options.durationSec,
      batchSize: options.batch,
      maxInFlight: options.maxInFlight,
      connections: Math.min(4, options.readers),
      movesPerSec: options.movesPerSec,
      keepPayloads: PAYLOADS_KEPT,
      onProgress: (sent, batches) => {
        batchesSoFar = batches;
        options.onPhase?.('load', sent, total);
      },
    });
    const underLoad = await monitor.end();

    // Drain: how long each stage takes to catch up once the readers stop tells which is the bottleneck.
    const names = ['bridge', 'dedup', 'locate', 'sink'];
    const { drain, drainedAtMs } = await watchDrain(
      [
        {
          name: 'bridge',
          lag: async () => Math.max(0, load.batchesSent - (await topicEnd(admin, topics.reads))),
        },
        { name: 'dedup', lag: () => lagOf('dedup'), output: () => topicEnd(admin, topics.observations) },
        {
          name: 'locate',
          lag: () => lagOf('locate'),
          output: async () => (await topicEnd(admin, topics.events)) + (await topicEnd(admin, topics.alerts)),
        },
        { name: 'sink', lag: () => lagOf('sink') },
      ],
      options.drainTimeoutSec * 1000,
      (done, total) => options.onPhase?.('drain', done, total),
    );
    const died = stages.filter((s) => !s.running);
    if (died.length > 0)
      throw new Error(`stage ${died[0]!.stage} exited during the run:\n${died[0]!.tail()}`);
    await latency.stop();
    await eventTimes.readUpTo(await topicEnd(admin, topics.events));

    const components: Record<string, ProcessUsage> = {};
    for (const stage of stages) components[stage.stage] = await stage.usage();
    components['loadgen'] = await readUsage(process.pid);

    options.onPhase?.('raw kafka consume', 0, 1);
    const rawEnd = await topicEnd(admin, topics.reads);
    const raw = await consumeRawTopic(kafka, topics.reads, rawEnd);
    options.onPhase?.('observation delays', 0, 1);
    const readToObservation = await observationDelays(
      kafka,
      topics.observations,
      await topicEnd(admin, topics.observations),
    );
    const {
      rows: [counts],
    } = await pool.query<{ observations: string; events: string }>(
      `SELECT (SELECT count(*) FROM ${quoteIdent(schema)}.observations) AS observations,
              (SELECT count(*) FROM ${quoteIdent(schema)}.zone_events) AS events`,
    );
    const undrained = names.filter((n) => drain[n]!.drainSec === null);
    const over = names
      .map((n) => ({ n, excess: (drain[n]!.ownDrainSec ?? 0) - EXPECTED_DRAIN_SEC[n]! }))
      .filter((x) => x.excess > 0)
      .sort((a, b) => b.excess - a.excess);
    const loadSec = (load.endedAtMs - load.startedAtMs) / 1000;
    // Reads that made it into Kafka: with loss, what was sent overstates what went through.
    const readsPerSec = raw.reads / ((drainedAtMs - load.startedAtMs) / 1000);
    const lat = latency.percentiles();
    const split = latency.split(eventTimes.producedMsById);
    const behind = names.filter(
      (n) => underLoad[n]!.lagGrowthPerSec > FALLING_BEHIND_SHARE * Math.max(1, underLoad[n]!.inPerSec),
    );
    const lost = load.readsSent - raw.reads;
    const hops = {
      publishToRaw: raw.publishToRawMs,
      readToObservation,
      readToEvent: split.decide,
      eventToStored: split.store,
    };
    const addedAtP99: Array<[string, number]> = [
      ['bridge', hops.publishToRaw.p99],
      ['dedup', hops.readToObservation.p99 - hops.publishToRaw.p99],
      ['locate', hops.readToEvent.p99 - hops.readToObservation.p99],
      ['sink', hops.eventToStored.p99],
    ];
    const result: BenchResult = {
      command: `bondtrack bench --readers ${options.readers} --rate ${options.rate} --duration ${options.durationSec} --batch ${options.batch}`,
      site: siteId,
      topicPrefix,
      schema,
      readers: options.readers,
      ratePerReader: options.rate,
      durationSec: options.durationSec,
      batch: options.batch,
      readsSent: load.readsSent,
      batchesSent: load.batchesSent,
      offeredReadsPerSec: load.readsSent / loadSec,
      readsPerSec,
      readsInRawTopic: raw.reads,
      lost,
      duplicated: raw.duplicatedBatchIds,
      observationsStored: Number(counts?.observations ?? 0),
      zoneEventsStored: Number(counts?.events ?? 0),
      latencyMs: { ...lat, events: latency.events },
      latencySplitMs: split,
      components,
      stages: underLoad,
      drain,
      bottleneck: undrained[0] ?? behind[0] ?? over[0]?.n ?? null,
      latencyHopsMs: hops,
      latencyBottleneck: lat.p99 <= LATENCY_GOAL_MS ? null : addedAtP99.sort((a, b) => b[1] - a[1])[0]![0],
      goals: {
        zeroLoss: lost === 0 && raw.duplicatedBatchIds === 0,
        rawReadsPerSecAtLeast100k:
          underLoad['bridge']!.inPerSec * (raw.reads / Math.max(1, raw.batches)) >= 100_000,
        kafkaConsumeRatioAtLeastHalf: null,
        p99AtMost1s: lat.p99 <= LATENCY_GOAL_MS,
      },
    };

    if (options.baselines) {
      options.onPhase?.('raw COPY', 0, 1);
      const copy = await copyObservations(pool, schema);
      options.onPhase?.('raw MQTT', 0, 1);
      const payloads = load.payloads.map((payload) => ({
        payload,
        reads: (JSON.parse(payload.toString('utf8')) as { reads: unknown[] }).reads.length,
      }));
      const mqttRaw = await mqttRoundTrip(
        options.mqttUrl,
        payloads,
        Math.min(load.batchesSent, MQTT_BASELINE_MAX_MESSAGES),
        options.maxInFlight,
      );
      const observationsPerSec = result.observationsStored / ((drainedAtMs - load.startedAtMs) / 1000);
      result.baselines = {
        kafkaConsumeReadsPerSec: raw.readsPerSec,
        copyRowsPerSec: copy.rowsPerSec,
        copyRows: copy.rows,
        mqttReadsPerSec: mqttRaw.readsPerSec,
      };
      result.goals.kafkaConsumeRatioAtLeastHalf = readsPerSec / raw.readsPerSec >= 0.5;
      result.ratios = {
        kafkaConsume: readsPerSec / raw.readsPerSec,
        copy: copy.rowsPerSec > 0 ? observationsPerSec / copy.rowsPerSec : 0,
        mqtt: mqttRaw.readsPerSec > 0 ? readsPerSec / mqttRaw.readsPerSec : 0,
      };
    }
    return result;
  } finally {
    await Promise.allSettled([latency?.stop(), eventTimes.stop(), ...stages.map((s) => s.stop())]);
    if (!options.keep) {
      await admin
        .deleteTopics({ topics: (Object.keys(topics) as Array<keyof KafkaTopics>).map((k) => topics[k]) })
        .catch(() => undefined);
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    }
    await admin.disconnect();
    await pool.end();
    await rm(work, { recursive: true, force: true });
  }
}
