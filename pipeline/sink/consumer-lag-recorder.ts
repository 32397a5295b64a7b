import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { readConsumerLag, type ConsumerLagTarget, type PartitionLag } from '../runtime/consumer-lag.js';
import { insertBatch, usToTimestamptz, type Column, type InsertCounts } from './batch-insert.js';
import { createPool, type Queryable } from './database.js';
import { qualify } from './sql-identifier.js';

interface LagRow extends PartitionLag {
  atUs: number;
}

const lagColumns: ReadonlyArray<Column<LagRow>> = [
  { name: 'group_id', type: 'text', value: (r) => r.groupId },
  { name: 'topic', type: 'text', value: (r) => r.topic },
  { name: 'partition', type: 'integer', value: (r) => r.partition },
  { name: 'at_us', type: 'bigint', value: (r) => r.atUs },
  { name: 'end_offset', type: 'bigint', value: (r) => r.endOffset },
  { name: 'committed_offset', type: 'bigint', value: (r) => r.committedOffset ?? null },
  { name: 'lag', type: 'bigint', value: (r) => r.lag },
];

/** Append one lag sample (all its partitions share `atUs`) to the `consumer_lag` table. */
export function writeConsumerLag(
  db: Queryable,
  schema: string,
  atUs: number,
  lags: readonly PartitionLag[],
): Promise<InsertCounts> {
  return insertBatch(
    db,
    lags.map((l) => ({ ...l, atUs })),
    lagColumns,
    (from) => `
    INSERT INTO ${qualify(schema, 'consumer_lag')}
      (group_id, topic, partition, at, at_us, end_offset, committed_offset, lag)
    SELECT group_id, topic, partition, ${usToTimestamptz('at_us')}, at_us, end_offset, committed_offset, lag
    FROM ${from}
    ON CONFLICT DO NOTHING`,
  );
}

export interface ConsumerLagRecorderOptions {
  /** Period between samples, in processing time. Default 15 000 ms (a Grafana panel's resolution). */
  intervalMs?: number;
}

/**
 * Samples the lag of the pipeline's consumer groups every `intervalMs` and writes it to the database,
 * so that Grafana (which cannot ask Kafka) can chart it. A failed sample (brokers or database
 * unavailable, a topic not created yet) is logged and skipped: lag is monitoring, never a reason
 * to stop the sink.
 */
export class ConsumerLagRecorder {
  private admin: Admin | undefined;
  private pool: pg.Pool | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  /** Samples written and samples that failed, for tests and logs. */
  readonly stats = { samples: 0, failures: 0 };

  constructor(
    private readonly kafka: Kafka,
    private readonly databaseUrl: string,
    private readonly schema: string,
    private readonly targets: readonly ConsumerLagTarget[],
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ConsumerLagRecorderOptions = {},
  ) {
    const interval = options.intervalMs ?? 15_000;
    if (!Number.isInteger(interval) || interval <= 0)
      throw new RangeError(`intervalMs must be a positive integer, got ${interval}`);
  }

  /** Connect and take a first sample; the schema must be migrated already (the sink does that). */
  async start(): Promise<void> {
    // A connection of its own: a sample never waits behind the sink's batch writes.
    this.pool = createPool(this.databaseUrl, {
      max: 1,
      applicationName: 'bondtrack-consumer-lag',
      logger: this.log,
    });
    const admin = this.kafka.admin();
    await admin.connect();
    this.admin = admin;
    this.timer = setInterval(() => {
      // One sample at a time: a slow broker must not pile samples up.
      this.running = this.running.then(() => this.recordSafely());
    }, this.options.intervalMs ?? 15_000);
    this.timer.unref();
    this.running = this.recordSafely();
    await this.running;
  }

  /** Take one sample now and write it; returns the lags written. */
  async recordOnce(): Promise<PartitionLag[]> {
    if (!this.admin || !this.pool) throw new Error('ConsumerLagRecorder.recordOnce before start');
    const lags = await readConsumerLag(this.admin, this.targets);
    await writeConsumerLag(this.pool, this.schema, this.clock.nowUs(), lags);
    this.stats.samples += 1;
    return lags;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.admin?.disconnect();
    this.admin = undefined;
    await this.pool?.end();
    this.pool = undefined;
  }

  private async recordSafely(): Promise<void> {
    try {
      await this.recordOnce();
    } catch (err) {
      this.stats.failures += 1;
      this.log.warn({ err: describeError(err) }, 'consumer lag sample failed; retrying next period');
    }
  }
}
