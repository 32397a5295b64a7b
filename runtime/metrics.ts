import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of a Bondtrack process. One registry per process (like the process's logger):
 * the code that counts imports the metric it moves, the ops server (runtime/ops-server.ts) serves
 * the registry on GET /metrics. Names are defined once here, prefixed `bondtrack_`, and are the
 * names dashboards and alerts use (docs/observability.md lists them); do not rename one without
 * changing those.
 */
export const metricsRegistry = new Registry();

/** Every metric name, once: dashboards, alerts and tests reference these. */
export const MetricName = {
  readsIn: 'bondtrack_reads_in_total',
  batchesPublished: 'bondtrack_batches_published_total',
  batchesForwarded: 'bondtrack_batches_forwarded_total',
  replaysDropped: 'bondtrack_batch_replays_dropped_total',
  deadLetters: 'bondtrack_dead_letters_total',
  stageMessagesIn: 'bondtrack_stage_messages_in_total',
  stageRecordsOut: 'bondtrack_stage_records_out_total',
  consumerLag: 'bondtrack_consumer_lag',
  dedupOpenWindows: 'bondtrack_dedup_open_windows',
  locatePalletsTracked: 'bondtrack_locate_pallets_tracked',
  dbWriteSeconds: 'bondtrack_db_write_seconds',
  diskQueueMessages: 'bondtrack_disk_queue_messages',
  diskQueueBytes: 'bondtrack_disk_queue_bytes',
  mqttConnected: 'bondtrack_mqtt_connected',
  ready: 'bondtrack_ready',
} as const;

/** Prefix of the default process metrics (`bondtrack_process_resident_memory_bytes`, `bondtrack_nodejs_heap_size_used_bytes`, …). */
export const METRIC_PREFIX = 'bondtrack_';

/** Reads taken from readers (adapters, counted as they are batched) or forwarded to Kafka (bridge), per reader. */
export const readsInTotal = new Counter({
  name: MetricName.readsIn,
  help: 'Tag reads taken in, by stage and reader',
  labelNames: ['stage', 'reader'] as const,
  registers: [metricsRegistry],
});

/** ReadBatches the MQTT broker acknowledged (PUBACK), per adapter. */
export const batchesPublishedTotal = new Counter({
  name: MetricName.batchesPublished,
  help: 'ReadBatch messages acknowledged by the MQTT broker',
  labelNames: ['stage'] as const,
  registers: [metricsRegistry],
});

/** ReadBatches the bridge produced to Kafka (acks=all). */
export const batchesForwardedTotal = new Counter({
  name: MetricName.batchesForwarded,
  help: 'ReadBatch messages the bridge produced to Kafka',
  registers: [metricsRegistry],
});

/** Redelivered ReadBatches the bridge recognised by their batchId and dropped. */
export const replaysDroppedTotal = new Counter({
  name: MetricName.replaysDropped,
  help: 'Redelivered ReadBatch messages dropped by the bridge (batchId seen before)',
  registers: [metricsRegistry],
});

/** Input refused into the dead-letter topic, by the stage that refused it and the error code. */
export const deadLettersTotal = new Counter({
  name: MetricName.deadLetters,
  help: 'Inputs refused to the dead-letter topic, by stage and reason code',
  labelNames: ['stage', 'code'] as const,
  registers: [metricsRegistry],
});

/** Kafka records a pipeline stage consumed. */
export const stageMessagesInTotal = new Counter({
  name: MetricName.stageMessagesIn,
  help: 'Kafka records consumed by a pipeline stage',
  labelNames: ['stage'] as const,
  registers: [metricsRegistry],
});

/** Kafka records a pipeline stage produced (outputs, dead letters and changelog). */
export const stageRecordsOutTotal = new Counter({
  name: MetricName.stageRecordsOut,
  help: 'Kafka records produced by a pipeline stage',
  labelNames: ['stage'] as const,
  registers: [metricsRegistry],
});

/** Records produced but not yet committed, per consumer group and topic-partition (polled, see pipeline/runtime/lag-metrics.ts). */
export const consumerLag = new Gauge({
  name: MetricName.consumerLag,
  help: 'Consumer group lag in records: topic end offset minus committed offset',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});

/**
 * Seconds of one database write: one transaction per fetched Kafka batch. Buckets from 1 ms to 10 s:
 * a healthy write is milliseconds, a stuck one (locks, a failing-over primary) seconds.
 */
export const dbWriteSeconds = new Histogram({
  name: MetricName.dbWriteSeconds,
  help: 'Duration of one sink database write (one transaction per Kafka batch), by input kind',
  labelNames: ['kind'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

type Labels<L extends string> = Partial<Record<L, string | number>>;

/**
 * A gauge read from the code that owns the value, at scrape time: the owner registers a reader
 * function (`sample`) and removes it when it stops, so no timer keeps the value fresh and a stopped
 * component's series disappears.
 */
export class SampledGauge<L extends string> {
  private readonly sources = new Set<{ labels: Labels<L>; read: () => number }>();
  readonly gauge: Gauge<L>;

  constructor(name: string, help: string, labelNames: readonly L[]) {
    const sources = this.sources;
    this.gauge = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [metricsRegistry],
      collect() {
        this.reset();
        for (const source of sources) this.set(source.labels, source.read());
      },
    });
  }

  /** Report `read()` under `labels` from now on; call the returned function to stop. */
  sample(labels: Labels<L>, read: () => number): () => void {
    const source = { labels, read };
    this.sources.add(source);
    return () => {
      this.sources.delete(source);
    };
  }
}

/** Open dedup windows (one per reader, antenna and EPC in the current event-time windows). */
export const dedupOpenWindows = new SampledGauge(
  MetricName.dedupOpenWindows,
  'Open dedup windows held in memory (reader × antenna × EPC)',
  [],
);

/** Pallets whose zone state the locate stage holds for its partitions. */
export const locatePalletsTracked = new SampledGauge(
  MetricName.locatePalletsTracked,
  'Pallets tracked by the locate stage on this worker',
  [],
);

/** Messages (and bytes) in an adapter's on-disk queue: written, not yet acknowledged by the broker. */
export const diskQueueMessages = new SampledGauge(
  MetricName.diskQueueMessages,
  'Messages in the adapter on-disk queue not yet acknowledged by MQTT',
  ['stage'],
);
export const diskQueueBytes = new SampledGauge(
  MetricName.diskQueueBytes,
  'Bytes of the adapter on-disk queue',
  ['stage'],
);

/** 1 while an MQTT client of this process is connected, else 0; `client` names the connection. */
export const mqttConnected = new SampledGauge(
  MetricName.mqttConnected,
  'MQTT connection state (1 connected, 0 not)',
  ['client'],
);

/** 1 when the process answers /readyz with 200. */
export const readyGauge = new SampledGauge(
  MetricName.ready,
  'Readiness (1 ready, 0 not), as /readyz answers',
  [],
);

let defaultsStarted = false;

/**
 * Process metrics (CPU, RSS, heap, event-loop lag, GC) under the `bondtrack_` prefix. Started with
 * the ops server rather than on import, so that library use and unit tests pay nothing for them.
 */
export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: METRIC_PREFIX });
}
