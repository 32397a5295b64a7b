import { z } from 'zod';
import { Identifier, ReadSource, toSchemaError } from '../../schemas/index.js';
import { ConfigError } from '../../runtime/errors.js';
import { DEFAULT_MQTT_URL } from '../../runtime/config.js';

/**
 * Options of the shared MQTT publisher, with defaults. Checked once in `createPublisher`; an error
 * names the bad field.
 */
export const PublisherOptions = z.object({
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  mqttUrl: z
    .url({ protocol: /^(mqtts?|wss?|tcp)$/, error: 'must be a URL such as mqtt://host:1883' })
    .default(DEFAULT_MQTT_URL),
  site: Identifier,
  /** Adapter kind, written into every ReadBatch (`serial`, `llrp`, …). */
  source: ReadSource,
  /** Dead-letter `stage`; defaults to `adapter:{source}`. */
  stage: z.string().min(1).max(64).optional(),
  /** A batch is sent when it holds this many reads… */
  batchSize: z.int().min(1).max(10_000).default(500),
  /** …or when its oldest read has waited this long. */
  lingerMs: z.int().min(0).max(60_000).default(100),
  /**
   * QoS 1 publishes awaiting PUBACK. MQTT.js keeps every unacknowledged message in a store that
   * it walks on each ack; with thousands outstanding its throughput collapses.
   */
  maxInFlight: z.int().min(1).max(65_535, { error: 'must fit MQTT packet ids (≤ 65535)' }).default(64),
  /**
   * Messages (batches and dead letters) formed but not yet handed to MQTT. Above this, push()
   * returns false and callers stop reading (backpressure); nothing is dropped. This bounds the
   * memory used while the broker is unreachable: about highWaterMark × batchSize reads.
   */
  highWaterMark: z.int().min(1).max(1_000_000).default(256),
  /** How long close() waits for PUBACKs before giving up. */
  closeTimeoutMs: z.int().min(0).max(600_000).default(5_000),
  /** MQTT reconnect interval. */
  reconnectPeriodMs: z.int().min(100).max(600_000).default(1_000),
  /** MQTT keepalive; with the last will it bounds how long a hung adapter still looks online. */
  keepaliveSec: z.int().min(1).max(65_535).default(30),
  /** Retries of a publish the broker refused, before it is logged and counted as failed. */
  maxPublishAttempts: z.int().min(1).max(100).default(3),
  /**
   * Every this many ms, republish each reader's status with its per-antenna read rates
   * (`antennaReadsPerSec`), so a silent antenna can be seen downstream. 0 (default): off.
   */
  healthIntervalMs: z.int().min(0).max(3_600_000).default(0),
  /**
   * Directory of the on-disk queue (disk-queue.ts). Unset: messages wait in memory only and are
   * lost if the process dies. Set: every message is persisted before it is sent, replayed in order
   * after an outage or a restart. One directory per adapter process.
   */
  queueDir: z.string().min(1).optional(),
  /** Most bytes of unacknowledged messages the on-disk queue holds (default 256 MiB). */
  queueMaxBytes: z.int().min(4096).max(Number.MAX_SAFE_INTEGER).default(268_435_456),
  /** What a full on-disk queue does: `block` stops reading (backpressure), `drop-oldest` discards, counted. */
  queueFullPolicy: z.enum(['block', 'drop-oldest']).default('block'),
  /** Size at which the queue starts a new segment file (default 4 MiB). */
  queueSegmentBytes: z.int().min(1024).max(1_073_741_824).default(4_194_304),
  /** fsync every append: survives power loss, costs one fsync per batch (default off). */
  queueFsync: z.boolean().default(false),
});
export type PublisherOptions = z.infer<typeof PublisherOptions>;
export type PublisherOptionsInput = z.input<typeof PublisherOptions>;

export function parsePublisherOptions(input: PublisherOptionsInput): PublisherOptions {
  const result = PublisherOptions.safeParse(input);
  if (!result.success) throw new ConfigError(toSchemaError('publisher options', result.error).message);
  return result.data;
}

/**
 * The publisher settings of an adapter command's options (serial, llrp), with the adapter-level
 * defaults: one definition, so the adapters cannot drift apart in names, bounds or defaults.
 */
export const AdapterPublisherSettings = z.object({
  site: Identifier,
  mqttUrl: PublisherOptions.shape.mqttUrl,
  batchSize: PublisherOptions.shape.batchSize,
  lingerMs: PublisherOptions.shape.lingerMs,
  maxInFlight: PublisherOptions.shape.maxInFlight,
  highWaterMark: PublisherOptions.shape.highWaterMark,
  closeTimeoutMs: PublisherOptions.shape.closeTimeoutMs,
  /** On-disk queue for broker outages (disk-queue.ts); unset = memory only. */
  queueDir: z.string().min(1).optional(),
  /** Unset: the publisher's default. */
  queueMaxBytes: z.int().min(4096).optional(),
  queueFullPolicy: z.enum(['block', 'drop-oldest']).optional(),
  /** Republish reader status with per-antenna read rates this often (ms); 0 = off. */
  healthIntervalMs: PublisherOptions.shape.healthIntervalMs,
});

/** The publisher settings an adapter's own options may carry (same names, same meaning). */
const SHARED_KEYS = [
  'mqttUrl',
  'site',
  'batchSize',
  'lingerMs',
  'maxInFlight',
  'highWaterMark',
  'closeTimeoutMs',
  'healthIntervalMs',
  'queueDir',
  'queueMaxBytes',
  'queueFullPolicy',
] as const satisfies ReadonlyArray<keyof PublisherOptionsInput>;

/**
 * The publisher options inside an adapter's parsed options: every adapter names them alike, so one
 * function picks them (settings an adapter leaves unset keep the publisher's defaults).
 */
export function publisherOptionsOf(
  source: string,
  adapter: Partial<Pick<PublisherOptionsInput, (typeof SHARED_KEYS)[number]>> & { site: string },
): PublisherOptionsInput {
  const out: Record<string, unknown> = { source };
  for (const key of SHARED_KEYS) if (adapter[key] !== undefined) out[key] = adapter[key];
  return out as PublisherOptionsInput;
}
