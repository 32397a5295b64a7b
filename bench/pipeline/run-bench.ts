import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { deploymentTopicNames } from '../../pipeline/pipeline.js';
import { deleteExistingTopics, ensureTopics } from '../../pipeline/runtime/topics.js';
import { quoteIdent } from '../../pipeline/sink/sql-identifier.js';
import { kafkaTopics, type KafkaTopics } from '../../schemas/index.js';
import { BacklogGate } from './backlog-gate.js';
import { measureCatchUp } from './catch-up.js';
import { consumeRawTopic, copyObservations, mqttRoundTrip } from './baselines.js';
import type { BenchOptions, BenchResult } from './bench-result.js';
import { groupLag, topicEnd } from './consumer-lag.js';
import { evidenceIds, systemLatency } from './deciding-read.js';
import { watchDrain } from './drain.js';
import { EventTimestamps } from './event-timestamps.js';
import { readStoredEvents } from './latency.js';
import { generateLoad } from './load-generator.js';
import { scanObservations } from './observation-delays.js';
import { startPrivateBroker, type PrivateBroker } from './private-mosquitto.js';
import { StageMonitor, sampleEveryMs } from './stage-monitor.js';
import { StageProcess, readUsage, type ProcessUsage } from './stage-processes.js';
import { SyntheticSite } from './synthetic-site.js';

export type { BenchOptions, BenchResult } from './bench-result.js';

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
  // The catch-up's own prefix and schema; it takes its raw reads from the run's.
  const catchUpPrefix = `${topicPrefix}_catchup`;
  const catchUpSchema = `${schema}_catchup`;
  const capacity = options.rate === 'max';
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
  let broker: PrivateBroker | undefined;
  try {
    if (options.broker === 'private') {
      options.onPhase?.('starting mosquitto', 0, 1);
      broker = await startPrivateBroker();
    }
    const mqttUrl = broker?.url ?? options.mqttUrl;
    await ensureTopics(admin, topics);
    const stageArgs = (prefix: string, schemaName: string, extra: string[] = []): string[] => [
      '--site',
      siteFile,
      '--topic-prefix',
      prefix,
      '--schema',
      schemaName,
      '--kafka-brokers',
      options.kafkaBrokers.join(','),
      '--mqtt-url',
      mqttUrl,
      '--database-url',
      options.databaseUrl,
      ...(options.synchronousCommit === true ? ['--synchronous-commit'] : []),
      ...extra,
    ];
    const args = stageArgs(topicPrefix, schema);
    options.onPhase?.('starting stages', 0, STAGES.length);
    // Downstream first, so that nothing waits for a consumer group to form.
    for (const stage of STAGES) {
      const child = new StageProcess(stage, args, options.cpuProfileDir);
      stages.push(child);
      await child.ready();
      options.onPhase?.('starting stages', stages.length, STAGES.length);
    }

    const startUs = Date.now() * 1000;
    await eventTimes.start();
    const total = capacity
      ? options.durationSec
      : options.readers * Math.round((options.rate as number) * options.durationSec);
    const groups = stageGroups(topicPrefix, topics);
    const lagOf = (name: string) =>
      groupLag(admin, `${topicPrefix}.${name}`, groups[`${topicPrefix}.${name}`]!);
    const ends = async (list: string[]) =>
      (await Promise.all(list.map((t) => topicEnd(admin, t)))).reduce((a, b) => a + b, 0);
    const stageNamed = (name: string) => stages.find((s) => s.stage === name)!;
    let batchesSoFar = 0;
    const sinkInputs = [topics.observations, topics.events, topics.alerts];
    const monitor = new StageMonitor(
      [
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
          unit: 'observation records',
          usage: () => stageNamed('locate').usage(),
          produced: () => topicEnd(admin, topics.observations),
          consumed: async () => (await topicEnd(admin, topics.observations)) - (await lagOf('locate')),
          lag: () => lagOf('locate'),
        },
        {
          name: 'sink',
          unit: 'records',
          usage: () => stageNamed('sink').usage(),
          produced: () => ends(sinkInputs),
          consumed: async () => (await ends(sinkInputs)) - (await lagOf('sink')),
          lag: () => lagOf('sink'),
        },
      ],
      sampleEveryMs(options.durationSec),
    );
    const gate = capacity
      ? new BacklogGate(options.maxBacklog, () => topicEnd(admin, topics.reads))
      : undefined;
    await monitor.begin();
    const load = await generateLoad(site, {
      mqttUrl,
      readers: options.readers,
      ratePerReader: options.rate,
      durationSec: options.durationSec,
      batchSize: options.batch,
      maxInFlight: options.maxInFlight,
      connections: Math.min(4, options.readers),
      movesPerSec: options.movesPerSec,
      keepPayloads: PAYLOADS_KEPT,
      ...(gate && { admit: (issued: number) => gate.admit(issued) }),
      onProgress: (sent, batches) => {
        batchesSoFar = batches;
        if (!capacity) options.onPhase?.('load', sent, total);
        else
          options.onPhase?.(
            'load (s, capacity)',
            Math.min(total, Math.floor(Date.now() / 1000 - startUs / 1e6)),
            total,
          );
      },
    }).catch(async (err: unknown) => {
      await monitor.stop(); // its timer would keep the failed bench's process alive
      throw err;
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
    const storedEvents = await readStoredEvents(pool, schema, siteId, startUs);
    await eventTimes.readUpTo(await topicEnd(admin, topics.events));

    const components: Record<string, ProcessUsage> = {};
    for (const stage of stages) components[stage.stage] = await stage.usage();
    components['loadgen'] = await readUsage(process.pid);
    // The baselines below get the machine to themselves: a stage still draining (past the drain
    // timeout) would otherwise compete with them for the CPU and skew every ratio.
    await Promise.all(stages.map((s) => s.stop()));

    options.onPhase?.('raw kafka consume', 0, 1);
    const rawEnd = await topicEnd(admin, topics.reads);
    const raw = await consumeRawTopic(kafka, topics.reads, rawEnd);
    options.onPhase?.('observations', 0, 1);
    const observationsEnd = await topicEnd(admin, topics.observations);
    const scan = await scanObservations(
      kafka,
      topics.observations,
      observationsEnd,
      evidenceIds(eventTimes.eventsById.values()),
    );
    // The headline latency over the steady half of the load, the window the stage rates are taken
    // over; the start-up (every pallet arriving at once) stays in latencyWholeRunMs.
    const system = systemLatency(storedEvents.stored, eventTimes.eventsById, scan.recordsById, {
      fromMs: (load.startedAtMs + load.endedAtMs) / 2,
      toMs: load.endedAtMs,
    });
    const {
      rows: [counts],
    } = await pool.query<{ observations: string; reads: string | null; events: string }>(
      `SELECT (SELECT count(*) FROM ${quoteIdent(schema)}.observations) AS observations,
              (SELECT sum(count) FROM ${quoteIdent(schema)}.observations) AS reads,
              (SELECT count(*) FROM ${quoteIdent(schema)}.zone_events) AS events`,
    );

    // Each stage's steady input in read equivalents. Bridge and dedup: batches × the run's reads per
    // batch. Locate and the sink take packed records (a flush's worth each, not a fixed number of
    // reads): the stage upstream's steady rate × the share of the arriving records they took.
    const readsPerBatch = raw.reads / Math.max(1, raw.batches);
    const upstream: Record<string, string> = { locate: 'dedup', sink: 'locate' };
    for (const n of names) {
      const stage = underLoad[n]!;
      const from = upstream[n];
      if (from === undefined || stage.steadyOfferedPerSec === undefined) {
        stage.steadyReadsPerSec = stage.steadyInPerSec * readsPerBatch;
        continue;
      }
      const share = stage.steadyOfferedPerSec > 0 ? stage.steadyInPerSec / stage.steadyOfferedPerSec : 0;
      stage.steadyReadsPerSec = underLoad[from]!.steadyReadsPerSec * Math.min(1, share);
    }
    const sustainedReadsPerSec = Math.min(...names.map((n) => underLoad[n]!.steadyReadsPerSec));

    const undrained = names.filter((n) => drain[n]!.drainSec === null);
    const over = names
      .map((n) => ({ n, excess: (drain[n]!.ownDrainSec ?? 0) - EXPECTED_DRAIN_SEC[n]! }))
      .filter((x) => x.excess > 0)
      .sort((a, b) => b.excess - a.excess);
    const loadSec = (load.endedAtMs - load.startedAtMs) / 1000;
    // Reads that made it into Kafka: with loss, what was sent overstates what went through.
    const readsPerSec = raw.reads / ((drainedAtMs - load.startedAtMs) / 1000);
    const behind = names.filter(
      (n) => underLoad[n]!.lagGrowthPerSec > FALLING_BEHIND_SHARE * Math.max(1, underLoad[n]!.inPerSec),
    );
    const heldByBridgeShare = gate ? gate.heldMs / 1000 / loadSec : null;
    // Capacity mode: with no stage falling behind, the closed loop ran at the bridge's pace if the
    // publishers were held back for a good part of the load, else at the load generator's own.
    const capacityLimit = heldByBridgeShare === null ? null : heldByBridgeShare >= 0.5 ? 'bridge' : 'loadgen';
    const lost = load.readsSent - raw.reads;
    const hops = {
      publishToRaw: raw.publishToRawMs,
      readToObservation: scan.readToObservation,
      decidingReadToObservation: system.split.observe,
      readToEvent: system.split.decide,
      eventToStored: system.split.store,
    };
    const addedAtP99: Array<[string, number]> = [
      ['bridge', hops.publishToRaw.p99],
      ['dedup', hops.decidingReadToObservation.p99 - hops.publishToRaw.p99],
      ['locate', hops.readToEvent.p99 - hops.decidingReadToObservation.p99],
      ['sink', hops.eventToStored.p99],
    ];
    const lat = system.latency;
    const result: BenchResult = {
      command: `bondtrack bench --readers ${options.readers} --rate ${options.rate} --duration ${options.durationSec} --batch ${options.batch}${options.synchronousCommit === true ? ' --synchronous-commit' : ''}`,
      mode: capacity ? 'capacity' : 'rate',
      sinkCommit: options.synchronousCommit === true ? 'synchronous' : 'asynchronous',
      site: siteId,
      topicPrefix,
      schema,
      mqtt: { broker: options.broker, url: mqttUrl, settings: broker?.settings ?? [] },
      readers: options.readers,
      ratePerReader: capacity ? null : (options.rate as number),
      durationSec: options.durationSec,
      batch: options.batch,
      readsSent: load.readsSent,
      batchesSent: load.batchesSent,
      offeredReadsPerSec: load.readsSent / loadSec,
      readsPerSec,
      sustainedReadsPerSec,
      heldByBridgeShare,
      readsInRawTopic: raw.reads,
      lost,
      duplicated: raw.duplicatedBatchIds,
      observationsStored: Number(counts?.observations ?? 0),
      readsInObservations: Number(counts?.reads ?? 0),
      zoneEventsStored: Number(counts?.events ?? 0),
      latencyMs: lat,
      latencyWholeRunMs: system.wholeRun,
      eventsWithoutDecidingRead: system.eventsWithoutDecidingRead,
      eventsWithoutStoredTime: storedEvents.withoutStoredTime,
      latencySplitMs: system.split,
      latencySplitWholeRunMs: system.wholeRunSplit,
      firstEvidenceToStoredMs: storedEvents.firstEvidenceToStored,
      components,
      stages: underLoad,
      drain,
      bottleneck: undrained[0] ?? behind[0] ?? (capacity ? capacityLimit : (over[0]?.n ?? null)),
      latencyHopsMs: hops,
      latencyBottleneck: lat.p99 <= LATENCY_GOAL_MS ? null : addedAtP99.sort((a, b) => b[1] - a[1])[0]![0],
      goals: {
        zeroLoss: lost === 0 && raw.duplicatedBatchIds === 0,
        // The bridge's steady rate: the whole load phase's average also counts its ramp-up and the
        // wait for the last PUBACKs, and would miss 100k at exactly 100k reads/s offered.
        rawReadsPerSecAtLeast100k: underLoad['bridge']!.steadyReadsPerSec >= 100_000,
        kafkaConsumeRatioAtLeastHalf: null,
        p99AtMost1s: lat.events > 0 && lat.p99 <= LATENCY_GOAL_MS,
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
        mqttUrl,
        payloads,
        Math.min(load.batchesSent, MQTT_BASELINE_MAX_MESSAGES),
        options.maxInFlight,
      );
      // The sink's steady rate in observations: its read equivalents × the run's observations per read.
      const observationsPerSec =
        underLoad['sink']!.steadyReadsPerSec * (Number(counts?.observations ?? 0) / Math.max(1, raw.reads));
      result.baselines = {
        kafkaConsumeReadsPerSec: raw.readsPerSec,
        kafkaConsumeMachine: {
          busyCores: raw.machine.busyCores,
          stealCores: raw.machine.stealCores,
          coreUsPerRead: raw.machine.coreUsPerRead,
        },
        copyRowsPerSec: copy.rowsPerSec,
        copyRows: copy.rows,
        mqttReadsPerSec: mqttRaw.readsPerSec,
      };
      // Last: the pipeline again over the same raw topic, alone, as the raw consume ran.
      options.onPhase?.('catch-up', 0, raw.reads);
      const catchUp = await measureCatchUp({
        args: stageArgs(catchUpPrefix, catchUpSchema, ['--reads-prefix', topicPrefix]),
        schema: catchUpSchema,
        expectedReads: raw.reads,
        pool,
        // Far longer than it takes: the catch-up runs faster than the live run it repeats.
        timeoutMs: Math.max(120_000, 3 * (drainedAtMs - load.startedAtMs)),
        ...(options.cpuProfileDir && { cpuProfileDir: join(options.cpuProfileDir, 'catch-up') }),
        onProgress: (stored, expected) => options.onPhase?.('catch-up', stored, expected),
      });
      result.catchUp = catchUp;
      result.goals.kafkaConsumeRatioAtLeastHalf = sustainedReadsPerSec / raw.readsPerSec >= 0.5;
      result.ratios = {
        kafkaConsume: sustainedReadsPerSec / raw.readsPerSec,
        kafkaConsumeCatchUp: catchUp.readsPerSec / raw.readsPerSec,
        copy: copy.rowsPerSec > 0 ? observationsPerSec / copy.rowsPerSec : 0,
        mqtt: mqttRaw.readsPerSec > 0 ? sustainedReadsPerSec / mqttRaw.readsPerSec : 0,
      };
      const halfRate = 0.5 * raw.readsPerSec;
      result.kafkaConsumeHalf = {
        readsPerSec: halfRate,
        cores: raw.machine.cores,
        coreUsPerReadAllowed: halfRate > 0 ? (raw.machine.cores * 1e6) / halfRate : 0,
        catchUpCoreUsPerRead: catchUp.machine?.coreUsPerRead ?? null,
        rawConsumeCoreUsPerRead: raw.machine.coreUsPerRead,
      };
    }
    return result;
  } finally {
    await Promise.allSettled([eventTimes.stop(), ...stages.map((s) => s.stop())]);
    await broker?.close().catch(() => undefined);
    if (!options.keep) {
      // The run's topics and the catch-up's (it created none for the raw reads it took from the run's).
      await deleteExistingTopics(admin, [
        ...deploymentTopicNames(topicPrefix),
        ...deploymentTopicNames(catchUpPrefix),
      ]).catch(() => undefined);
      for (const name of [schema, catchUpSchema])
        await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`).catch(() => undefined);
    }
    await admin.disconnect();
    await pool.end();
    await rm(work, { recursive: true, force: true });
  }
}
