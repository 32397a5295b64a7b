import type { Kafka } from 'kafkajs';
import { systemClock, type Clock } from '../runtime/clock.js';
import { ConfigError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { kafkaTopics, type KafkaTopics, type Manifest, type SiteLayout } from '../schemas/index.js';
import { Bridge, type BridgeOptions } from './bridge/bridge.js';
import { DedupStage } from './dedup/dedup-stage.js';
import { LocateStage } from './locate/locate-stage.js';
import { createKafka } from './runtime/kafka.js';
import { ensureChangelogTopic } from './runtime/changelog.js';
import { retryKafkaStart } from './runtime/kafka-start-retry.js';
import { StageRunner } from './runtime/stage-runner.js';
import { ensureTopics, PARTITIONS } from './runtime/topics.js';
import { ConsumerLagRecorder } from './sink/consumer-lag-recorder.js';
import type { ConsumerLagTarget } from './runtime/consumer-lag.js';
import { SinkStage } from './sink/sink-stage.js';
import { SiteIndex } from './site/site-index.js';

export const STAGE_NAMES = ['bridge', 'dedup', 'locate', 'sink'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** The locate stage's compacted changelog: per-pallet state, restored when partitions move. */
export function locateStateTopic(topicPrefix: string): string {
  return `${topicPrefix}.locate-state.v1`;
}

/** The dedup stage's compacted changelog: per-reader open windows, restored when partitions move. */
export function dedupStateTopic(topicPrefix: string): string {
  return `${topicPrefix}.dedup-state.v1`;
}

/**
 * Every topic a deployment under `topicPrefix` may have created: the contract topics and both
 * stages' changelogs (what a run that owns the prefix removes when it ends).
 */
export function deploymentTopicNames(topicPrefix: string): string[] {
  const topics = kafkaTopics(topicPrefix);
  return [
    ...(Object.keys(topics) as Array<keyof KafkaTopics>).map((k) => topics[k]),
    dedupStateTopic(topicPrefix),
    locateStateTopic(topicPrefix),
  ];
}

/**
 * The topics of a pipeline under `topicPrefix`, with the bridge's (raw reads and reader status)
 * taken from `readsPrefix` when given: a pipeline of its own (a shadow of a new release or layout,
 * the bench's catch-up run) over another deployment's raw reads, into its own topics and schema.
 */
export function pipelineTopics(topicPrefix: string, readsPrefix?: string): KafkaTopics {
  const own = kafkaTopics(topicPrefix);
  if (readsPrefix === undefined || readsPrefix === topicPrefix) return own;
  const source = kafkaTopics(readsPrefix);
  return { ...own, reads: source.reads, readerStatus: source.readerStatus };
}

/**
 * The consumer groups of the pipeline's stages and the topics each consumes (the stages' `inputs`),
 * whose lag the sink's process records for the dashboards.
 */
export function pipelineLagTargets(topicPrefix: string, readsPrefix?: string): ConsumerLagTarget[] {
  const t = pipelineTopics(topicPrefix, readsPrefix);
  return [
    { groupId: `${topicPrefix}.dedup`, topics: [t.reads, t.readerStatus] },
    { groupId: `${topicPrefix}.locate`, topics: [t.observations] },
    {
      groupId: `${topicPrefix}.sink`,
      topics: [t.observations, t.events, t.alerts, t.readerStatus, t.dlq, t.customs],
    },
  ];
}

export interface PipelineOptions {
  stages: readonly StageName[];
  kafkaBrokers: string[];
  topicPrefix: string;
  /**
   * Take the raw reads (and reader status) from this prefix's topics instead of `topicPrefix`'s: a
   * pipeline without a bridge of its own, over another deployment's raw reads (`pipelineTopics`).
   */
  readsPrefix?: string;
  site: SiteLayout;
  manifest?: Manifest;
  /** Needed by the bridge. */
  mqttUrl?: string;
  bridge?: Omit<BridgeOptions, 'mqttUrl'>;
  /** Needed by the sink. */
  databaseUrl?: string;
  databaseSchema?: string;
  /** Pool size of the sink (keep 1-2 against embedded PGlite). */
  databasePoolSize?: number;
  /**
   * The sink's transactions wait for the WAL flush at COMMIT (true for embedded PGlite). Default
   * false: committed asynchronously, input offsets committed once the flush passes (sink-stage.ts).
   */
  databaseSynchronousCommit?: boolean;
  /** Period of the consumer-lag samples the sink's process writes to the database. Default 15 000 ms. */
  consumerLagIntervalMs?: number;
  clock?: Clock;
  log: Logger;
  /** Called when a stage cannot continue safely; the process should exit and restart. */
  onFatal?: (err: unknown) => void;
}

export interface RunningPipeline {
  readonly kafka: Kafka;
  readonly bridge?: Bridge;
  readonly runners: ReadonlyMap<Exclude<StageName, 'bridge'>, StageRunner>;
  stop(): Promise<void>;
}

/** The sink's tick: how often it learns the WAL flush position while batches wait for it. */
const SINK_TICK_MS = 100;

/**
 * Start the named stages in this process. Each stage is an independent member of its own consumer
 * group, so the same stage started in several processes splits the work between them.
 */
export async function startPipeline(options: PipelineOptions): Promise<RunningPipeline> {
  const clock = options.clock ?? systemClock;
  const log = options.log;
  const topics = pipelineTopics(options.topicPrefix, options.readsPrefix);
  // The bridge writes the raw reads of its own prefix: it cannot feed another prefix's pipeline.
  if (topics.reads !== kafkaTopics(options.topicPrefix).reads && options.stages.includes('bridge'))
    throw new ConfigError(
      `the bridge writes to its own prefix's raw reads; run it without --reads-prefix (${options.readsPrefix})`,
    );
  const kafka = createKafka(options.kafkaBrokers, `bondtrack-${options.stages.join('-')}`, log);
  // Idempotent, so the whole step is retried while a busy or restarting broker answers "not yet".
  await retryKafkaStart(
    'create topics',
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, topics);
        if (options.stages.includes('locate'))
          await ensureChangelogTopic(admin, locateStateTopic(options.topicPrefix), PARTITIONS.observations);
        if (options.stages.includes('dedup'))
          await ensureChangelogTopic(admin, dedupStateTopic(options.topicPrefix), PARTITIONS.reads);
      } finally {
        await admin.disconnect();
      }
    },
    { log },
  );

  const site = new SiteIndex(options.site);
  const group = (stage: string) => `${options.topicPrefix}.${stage}`;
  const runners = new Map<Exclude<StageName, 'bridge'>, StageRunner>();
  const started: Array<{ stop(): Promise<void> }> = [];
  let bridge: Bridge | undefined;
  const runnerOptions = { onFatal: options.onFatal };

  try {
    // Downstream first, so that nothing an upstream stage produces waits for a consumer to join.
    if (options.stages.includes('sink')) {
      if (!options.databaseUrl) throw new Error('the sink stage needs a database URL');
      const stage = new SinkStage(
        topics,
        group('sink'),
        options.databaseUrl,
        options.databaseSchema ?? 'bondtrack',
        clock,
        log,
        {
          poolSize: options.databasePoolSize ?? 4,
          manifest: options.manifest,
          site: options.site,
          synchronousCommit: options.databaseSynchronousCommit ?? false,
        },
      );
      // Ticks only ask how far the WAL is flushed (while batches wait for it) and commit what it
      // covers: the offsets follow the flush within ~0.1 s plus the WAL writer's round.
      const runner = new StageRunner(kafka, stage, log.child({ stage: 'sink' }), {
        ...runnerOptions,
        tickMs: SINK_TICK_MS,
      });
      started.push(runner); // first: a start that fails half-way is stopped too
      await runner.start();
      runners.set('sink', runner);
      const lag = new ConsumerLagRecorder(
        kafka,
        options.databaseUrl,
        options.databaseSchema ?? 'bondtrack',
        pipelineLagTargets(options.topicPrefix, options.readsPrefix),
        clock,
        log.child({ stage: 'consumer-lag' }),
        { intervalMs: options.consumerLagIntervalMs },
      );
      await lag.start();
      started.push(lag);
    }
    if (options.stages.includes('locate')) {
      const manifest = options.manifest;
      const stage = new LocateStage(
        kafka,
        topics,
        group('locate'),
        site,
        clock,
        log.child({ stage: 'locate' }),
        {
          manifest: manifest ? new Set(manifest.pallets.map((p) => p.epc)) : undefined,
          ssccToEpc: manifest ? new Map(manifest.pallets.map((p) => [p.sscc, p.epc])) : undefined,
          stateTopic: locateStateTopic(options.topicPrefix),
        },
      );
      const runner = new StageRunner(kafka, stage, log.child({ stage: 'locate' }), runnerOptions);
      started.push(runner); // first: a start that fails half-way is stopped too
      await runner.start();
      runners.set('locate', runner);
    }
    if (options.stages.includes('dedup')) {
      const stage = new DedupStage(topics, group('dedup'), site, clock, {
        stateTopic: dedupStateTopic(options.topicPrefix),
        log: log.child({ stage: 'dedup' }),
      });
      const runner = new StageRunner(kafka, stage, log.child({ stage: 'dedup' }), runnerOptions);
      started.push(runner); // first: a start that fails half-way is stopped too
      await runner.start();
      runners.set('dedup', runner);
    }
    if (options.stages.includes('bridge')) {
      if (!options.mqttUrl) throw new Error('the bridge stage needs an MQTT URL');
      bridge = new Bridge(kafka, topics, clock, log.child({ stage: 'bridge' }), {
        shareGroup: group('bridge'),
        site: options.site.site,
        ...options.bridge,
        mqttUrl: options.mqttUrl,
      });
      await bridge.start();
      started.push(bridge);
    }
  } catch (err) {
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    throw err;
  }

  return {
    kafka,
    bridge,
    runners,
    async stop() {
      // The bridge first, so that no message is acknowledged to MQTT after Kafka stops taking them;
      // then the stages together: each commits only what it has made durable, so order is no matter.
      if (bridge) await bridge.stop();
      await Promise.all(started.filter((s) => s !== bridge).map((s) => s.stop()));
    },
  };
}
