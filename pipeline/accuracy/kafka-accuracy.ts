import type { Message } from 'kafkajs';
import type { Logger } from '../../runtime/logger.js';
import { Alert, ZoneEvent, kafkaTopics } from '../../schemas/index.js';
import { startPipeline } from '../pipeline.js';
import { createStageProducer } from '../runtime/producer.js';
import {
  prepareRun,
  runAccuracy,
  toBatches,
  truthOf,
  type AccuracyReport,
  type AccuracyRunOptions,
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
   * ahead of another's and locate drops the lagging side's evidence (see docs/notes-issue-5.md).
   */
  speed?: number;
}

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
  const pipeline = await startPipeline({
    stages: ['dedup', 'locate'],
    kafkaBrokers: options.kafkaBrokers,
    topicPrefix: options.topicPrefix,
    site: options.scenario.site,
    manifest: options.scenario.manifest,
    log: options.log,
  });
  const { kafka } = pipeline;
  const events = new Map<string, ZoneEvent>();
  const alerts = new Map<string, Alert>();
  let lastOutputAt = Date.now();
  const consumer = kafka.consumer({ groupId: `${options.topicPrefix}.accuracy`, maxWaitTimeInMs: 200 });
  const producer = createStageProducer(kafka);
  try {
    await Promise.all([consumer.connect(), producer.connect()]);
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

    // Every customs decision first: the rules join them as of each event's time.
    await producer.send({
      topic: topics.customs,
      acks: -1,
      messages: run.sim.customs.map((c) => ({ key: c.epc ?? c.sscc ?? '', value: JSON.stringify(c) })),
    });
    let pending: Message[] = [];
    let seq = 0;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      await producer.send({ topic: topics.reads, acks: -1, messages: pending });
      pending = [];
    };
    const speed = options.speed ?? 5;
    const startedAt = Date.now();
    for (let nowUs = run.startUs + run.stepUs; nowUs <= run.endUs; nowUs += run.stepUs) {
      const dueAt = startedAt + (nowUs - run.startUs) / 1000 / speed;
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
    await pipeline.stop();
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: (Object.keys(topics) as Array<keyof typeof topics>).map((k) => topics[k]) })
      .catch((err: unknown) => options.log.warn({ err }, 'could not delete the accuracy topics'));
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
