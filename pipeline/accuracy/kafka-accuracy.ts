import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from '../../runtime/logger.js';
import { Alert, ZoneEvent, kafkaTopics } from '../../schemas/index.js';
import { deploymentTopicNames, startPipeline, type RunningPipeline } from '../pipeline.js';
import { createKafka } from '../runtime/kafka.js';
import { createStageProducer } from '../runtime/producer.js';
import { copyRawReads } from '../runtime/replay.js';
import { PARTITIONS, createTopicsSurely, deleteExistingTopics } from '../runtime/topics.js';
import {
  prepareRun,
  runAccuracy,
  toBatches,
  truthOf,
  type AccuracyReport,
  type AccuracyRunOptions,
  type PreparedRun,
} from './run-accuracy.js';
import { scoreAccuracy, type Emitted } from './score.js';

export interface KafkaAccuracyOptions extends AccuracyRunOptions {
  kafkaBrokers: string[];
  /** Topic prefix of this run; its topics are deleted at the end. */
  topicPrefix: string;
  log: Logger;
  /** The pipeline is done when no event or alert came for this long after the last input. Default 12 s. */
  quietMs?: number;
  /** Give up after this long. Default 10 min. */
  timeoutMs?: number;
  /**
   * Virtual seconds fed per wall-clock second. Default 5 (measured: the same figures as in-process;
   * at 20 zone-time accuracy falls by ~5 points, fed as fast as possible by ~35). Locate has no
   * event-time alignment across its input partitions yet: in a flood one reader's partition runs
   * ahead of another's and locate drops the lagging side's evidence (docs/pipeline.md, known limits).
   */
  speed?: number;
  /**
   * Write every read before the stages start instead of pacing them (`speed` is then unused), laid
   * out as a replay finds them: `partitioned` — in the raw-reads topic's usual partitions, keyed by
   * reader (what `bondtrack replay` handed dedup before it merged); `replay` — written so under a
   * source prefix (`{topicPrefix}-src`), then copied by `copyRawReads` as `bondtrack replay` does
   * (one partition, merged by send time). Default: paced.
   */
  unpaced?: UnpacedLayout;
}

export const UNPACED_LAYOUTS = ['partitioned', 'replay'] as const;
export type UnpacedLayout = (typeof UNPACED_LAYOUTS)[number];

export interface KafkaAccuracyReport extends AccuracyReport {
  /** The figures come from the Kafka stages; the delay is measured in-process (virtual time). */
  through: 'kafka';
  detectionDelayMeasured: 'in-process';
}

/**
 * The accuracy run through the real pipeline: the scenario's reads go to `{prefix}.reads.v1` as
 * ReadBatches (one per reader per 100 ms of virtual time, keyed by reader) and its customs decisions
 * to `{prefix}.customs.v1`; the dedup and locate stages run as Kafka consumer groups in this
 * process; their events and alerts are read back and scored. Kafka runs on wall-clock time while
 * the reads carry virtual time, so detection delay is taken from the in-process run of the same
 * scenario, which also gives the baseline.
 */
export async function runAccuracyThroughKafka(options: KafkaAccuracyOptions): Promise<KafkaAccuracyReport> {
  const inProcess = runAccuracy(options);
  const run = prepareRun(options);
  const topics = kafkaTopics(options.topicPrefix);
  const sourcePrefix = options.unpaced === 'replay' ? `${options.topicPrefix}-src` : options.topicPrefix;
  const kafka = createKafka(options.kafkaBrokers, 'bondtrack-accuracy', options.log);
  const events = new Map<string, ZoneEvent>();
  const alerts = new Map<string, Alert>();
  let lastOutputAt = Date.now();
  const consumer = kafka.consumer({ groupId: `${options.topicPrefix}.accuracy`, maxWaitTimeInMs: 200 });
  const producer = createStageProducer(kafka);
  let pipeline: RunningPipeline | undefined;
  const startStages = async (): Promise<void> => {
    pipeline = await startPipeline({
      stages: ['dedup', 'locate'],
      kafkaBrokers: options.kafkaBrokers,
      topicPrefix: options.topicPrefix,
      site: options.scenario.site,
      manifest: options.scenario.manifest,
      log: options.log,
    });
  };
  try {
    if (options.unpaced) {
      // The customs topic and the source's raw reads first: the stages start on a finished log.
      await createTopics(kafka, [
        { topic: topics.customs, numPartitions: PARTITIONS.customs },
        { topic: kafkaTopics(sourcePrefix).reads, numPartitions: PARTITIONS.reads },
      ]);
    } else await startStages();
    await producer.connect();
    // Every customs decision first: the rules join them as of each event's time.
    await producer.send({
      topic: topics.customs,
      acks: -1,
      messages: run.sim.customs.map((c) => ({ key: c.epc ?? c.sscc ?? '', value: JSON.stringify(c) })),
    });
    if (options.unpaced) {
      await produceReads(producer, kafkaTopics(sourcePrefix).reads, run, undefined);
      if (options.unpaced === 'replay')
        await copyRawReads(kafka, sourcePrefix, options.topicPrefix, options.log);
      await startStages();
    }
    // The output topics exist now (the stages created them); read from their beginning.
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.events, topics.alerts], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, message }) => {
        const value: unknown = JSON.parse(message.value?.toString('utf8') ?? 'null');
        // Ids are deterministic: a record produced twice (a retried batch) is one event.
        if (topic === topics.events) {
          const e = ZoneEvent.parse(value);
          events.set(e.id, e);
        } else {
          const a = Alert.parse(value);
          alerts.set(a.id, a);
        }
        lastOutputAt = Date.now();
        return Promise.resolve();
      },
    });
    if (!options.unpaced) await produceReads(producer, topics.reads, run, options.speed ?? 5);

    // Done when the stages have been quiet for a while (dedup flushes idle readers after 5 s).
    lastOutputAt = Date.now();
    const quietMs = options.quietMs ?? 12_000;
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    while (Date.now() - lastOutputAt < quietMs) {
      if (Date.now() > deadline) throw new Error('the pipeline did not settle before the timeout');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    await pipeline?.stop();
    const admin = kafka.admin();
    await admin.connect();
    await deleteExistingTopics(admin, [
      ...deploymentTopicNames(options.topicPrefix),
      ...(sourcePrefix === options.topicPrefix ? [] : [kafkaTopics(sourcePrefix).reads]),
    ]).catch((err: unknown) => options.log.warn({ err }, 'could not delete the accuracy topics'));
    await admin.disconnect();
  }

  const emitted = <T extends { atUs: number }>(values: Iterable<T>): Array<Emitted<T>> =>
    [...values].map((value) => ({ value, emittedAtUs: value.atUs }));
  const scores = scoreAccuracy(truthOf(run), emitted(events.values()), emitted(alerts.values()), {
    endUs: run.endUs,
  });
  return {
    ...inProcess,
    ...scores,
    detectionDelayP95Ms: inProcess.detectionDelayP95Ms,
    through: 'kafka',
    detectionDelayMeasured: 'in-process',
  };
}

/**
 * The scenario's reads as ReadBatches keyed by reader, one per reader per step, at `speed` virtual
 * seconds per wall-clock second, or as fast as the broker takes them (`undefined`).
 */
async function produceReads(
  producer: Producer,
  topic: string,
  run: PreparedRun,
  speed: number | undefined,
): Promise<void> {
  let pending: Message[] = [];
  let seq = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    await producer.send({ topic, acks: -1, messages: pending });
    pending = [];
  };
  const startedAt = Date.now();
  for (let nowUs = run.startUs + run.stepUs; nowUs <= run.endUs; nowUs += run.stepUs) {
    const dueAt = speed === undefined ? 0 : startedAt + (nowUs - run.startUs) / 1000 / speed;
    if (dueAt > Date.now()) {
      await flush();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now())));
    }
    const raw = run.sim.advance(nowUs);
    run.sim.takeDueCustoms();
    const reads = run.noise ? run.noise.apply(raw) : raw;
    for (const b of toBatches(run.site.site, reads, nowUs, () => ++seq)) {
      pending.push({ key: b.readerId, value: JSON.stringify(b) });
    }
    if (pending.length >= 500) await flush();
  }
  await flush();
}

async function createTopics(
  kafka: Kafka,
  topics: Array<{ topic: string; numPartitions: number }>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsSurely(
      admin,
      topics.map((t) => ({ ...t, replicationFactor: -1 })),
    );
  } finally {
    await admin.disconnect();
  }
}
