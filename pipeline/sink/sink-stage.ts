import type { KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { dbWriteSeconds } from '../../runtime/metrics.js';
import {
  Alert,
  CustomsStatus,
  DeadLetter,
  Observation,
  ReaderStatus,
  ZoneEvent,
  type KafkaTopics,
  type Manifest,
  type SiteLayout,
} from '../../schemas/index.js';
import { deadLetterRecord } from '../runtime/dead-letters.js';
import { decodeObservations, decodeRecord } from '../runtime/decode-record.js';
import type { OutputRecord, Stage } from '../runtime/stage.js';
import { createPool } from './database.js';
import { DatabaseError } from './db-errors.js';
import { DurableOffsets } from './durable-offsets.js';
import { migrate } from './migrate.js';
import { saveSiteLayout } from './site-layout-tables.js';
import { untilWalFlushed, walFlushLsn } from './wal-position.js';
import { upsertPallets, writeBatch, type SinkBatch } from './writer.js';

export interface SinkStageOptions {
  poolSize?: number;
  /** Pallets to store on start (the site's manifest). */
  manifest?: Manifest | undefined;
  /** The site layout, stored on start for the dashboards (zone names, dwell limits, antennas). */
  site?: SiteLayout | undefined;
  /**
   * Period of database upkeep: refresh the plain-PostgreSQL rollups every period; create partitions
   * ahead and apply retention every `maintenanceEvery` periods. Default 60 s; 0 turns upkeep off.
   */
  maintenanceMs?: number;
  /**
   * Commit each batch's transaction synchronously: COMMIT waits for the WAL flush. Default false: the
   * transaction commits asynchronously (visible at once, on disk within the WAL writer's next round
   * or two), and the batch's input offsets are committed only once the WAL flush has passed it
   * (durable-offsets.ts). Read → stored latency then leaves out the disk's flush, which on a busy
   * shared disk stalled commits for a second and more. Needed on embedded PGlite, which has no WAL
   * writer process to flush an asynchronous commit.
   */
  synchronousCommit?: boolean;
  /** Where the WAL flush position is read. Default `pg_current_wal_flush_lsn()`; tests hold it back. */
  walFlushLsn?: (pool: Pool) => Promise<bigint>;
}

/** How long a stop waits for the WAL flush to reach the last asynchronous commits (3 WAL writer rounds are 0.6 s). */
const PERSIST_TIMEOUT_MS = 5_000;

/** Partitions ahead and retention run once per this many rollup refreshes (a day at 60 s). */
const MAINTENANCE_EVERY = 1_440;

/**
 * The sink: everything the pipeline decides, written to PostgreSQL/TimescaleDB. One transaction per
 * fetched Kafka batch; the runtime commits the batch's offsets only once it is durable (at once with
 * `synchronousCommit`; otherwise when the WAL flush passes its commit, `retainedOffset`). Rows carry
 * deterministic ids and are inserted with ON CONFLICT DO NOTHING, so a redelivered batch is a no-op.
 */
export class SinkStage implements Stage {
  readonly name = 'sink';
  readonly inputs: string[];
  private pool: Pool | undefined;
  private upkeep: NodeJS.Timeout | undefined;
  private upkeepRuns = 0;
  readonly counters = { rowsWritten: 0, duplicatesSkipped: 0, rejected: 0, firstReadsSkipped: 0 };
  /** Batches committed asynchronously whose input waits for the WAL flush before it is committed. */
  private readonly durable = new DurableOffsets();
  private flushPoll: Promise<void> | undefined;
  private flushPollFailed = false;

  constructor(
    private readonly topics: KafkaTopics,
    readonly groupId: string,
    private readonly databaseUrl: string,
    private readonly schema: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SinkStageOptions = {},
  ) {
    this.inputs = [
      topics.observations,
      topics.events,
      topics.alerts,
      topics.readerStatus,
      topics.dlq,
      topics.customs,
    ];
  }

  async start(): Promise<void> {
    this.pool = createPool(this.databaseUrl, { schema: this.schema, max: this.options.poolSize ?? 4 });
    const applied = await migrate(this.pool, { schema: this.schema });
    if (applied.length > 0) this.log.info({ applied }, 'database migrated');
    if (this.options.manifest)
      await upsertPallets(this.pool, this.schema, this.options.manifest.site, this.options.manifest.pallets);
    if (this.options.site) await saveSiteLayout(this.pool, this.schema, this.options.site);
    const periodMs = this.options.maintenanceMs ?? 60_000;
    if (periodMs > 0) {
      await this.maintain();
      this.upkeep = setInterval(() => void this.maintain(), periodMs);
      this.upkeep.unref();
    }
  }

  /** Readiness: the database answers a trivial query. */
  async databaseReachable(): Promise<boolean> {
    if (!this.pool) return false;
    await this.pool.query('SELECT 1');
    return true;
  }

  async stop(): Promise<void> {
    if (this.upkeep) clearInterval(this.upkeep);
    await this.flushPoll;
    await this.pool?.end();
  }

  /** The first offset of a batch committed asynchronously and not yet on disk. */
  retainedOffset(topic: string, partition: number): number | undefined {
    return this.durable.retained(topic, partition);
  }

  /** Learn how far the WAL is flushed, so that the runner's next tick commits what is durable now. */
  tick(): OutputRecord[] {
    if (this.durable.waiting > 0 && !this.flushPoll) {
      this.flushPoll = this.readFlushed().finally(() => {
        this.flushPoll = undefined;
      });
    }
    return [];
  }

  onRevoked(topic: string, partitions: number[]): void {
    this.durable.forget(topic, partitions);
  }

  /**
   * On stop: wait (up to `PERSIST_TIMEOUT_MS`) for the WAL flush to pass every batch written, so that
   * their offsets are committed now rather than replayed by the next start.
   */
  async persist(): Promise<void> {
    const pool = this.pool;
    const lsn = this.durable.highestWaiting();
    if (lsn === undefined || !pool) return;
    await this.flushPoll;
    this.durable.flushedTo(
      await untilWalFlushed(() => this.readWalFlushLsn(pool), lsn, { timeoutMs: PERSIST_TIMEOUT_MS }),
    );
  }

  private readWalFlushLsn(pool: Pool): Promise<bigint> {
    return (this.options.walFlushLsn ?? walFlushLsn)(pool);
  }

  private async readFlushed(): Promise<void> {
    try {
      this.durable.flushedTo(await this.readWalFlushLsn(this.pool!));
      this.flushPollFailed = false;
    } catch (err) {
      // The offsets stay held (a restart replays more, nothing is lost); the next tick asks again.
      if (!this.flushPollFailed)
        this.log.warn({ err: describeError(err) }, 'cannot read the WAL flush position; offsets held');
      this.flushPollFailed = true;
    }
  }

  /**
   * Rollups on plain PostgreSQL materialize the minutes completed since the last refresh and those
   * written to since (migration 0008; the rest is aggregated as it is read, so the views are never
   * stale, only slower to read the longer this waits). TimescaleDB refreshes its continuous
   * aggregates itself; there the call is a no-op. Partitions must exist
   * before their days arrive; retention drops what is past its horizon. Failures are logged, not fatal.
   */
  private async maintain(): Promise<void> {
    const pool = this.pool;
    if (!pool) return;
    const full = this.upkeepRuns++ % MAINTENANCE_EVERY === 0;
    try {
      await pool.query('SELECT refresh_rollups()');
      if (full) {
        await pool.query('SELECT create_partitions_ahead()');
        await pool.query('SELECT apply_retention()');
      }
    } catch (err) {
      this.log.warn({ err: describeError(err) }, 'database upkeep failed; retried next period');
    }
  }

  async handleBatch(topic: string, partition: number, messages: KafkaMessage[]): Promise<OutputRecord[]> {
    const rejected: OutputRecord[] = [];
    const batch: SinkBatch = {};
    const t = this.topics;
    // Observations are most of the sink's input: packed records, the hand-written check locate uses.
    if (topic === t.observations) batch.observations = this.parseObservations(messages, rejected);
    else if (topic === t.events) batch.zoneEvents = this.parseAll(messages, ZoneEvent, 'ZoneEvent', rejected);
    else if (topic === t.alerts) batch.alerts = this.parseAll(messages, Alert, 'Alert', rejected);
    else if (topic === t.readerStatus)
      batch.readerStatus = this.parseAll(messages, ReaderStatus, 'ReaderStatus', rejected);
    else if (topic === t.customs)
      batch.customs = this.parseAll(messages, CustomsStatus, 'CustomsStatus', rejected);
    else if (topic === t.dlq) {
      // A dead letter that is itself malformed is stored as one, rather than bounced back to the DLQ.
      batch.deadLetters = messages.map((m) => {
        const letter = decodeRecord(DeadLetter, 'DeadLetter', m.value);
        if (letter.ok) return letter.value;
        const record = deadLetterRecord(t.dlq, {
          stage: 'sink',
          code: letter.code,
          reason: letter.reason,
          payload: m.value,
          atUs: this.clock.nowUs(),
        });
        return JSON.parse(record.value) as DeadLetter;
      });
    }
    let result;
    const timer = dbWriteSeconds.startTimer({ kind: Object.keys(batch)[0] ?? 'none' });
    try {
      result = await writeBatch(this.pool!, this.schema, batch, {
        asynchronousCommit: this.options.synchronousCommit !== true,
      });
      timer();
      if (result.commitLsn !== undefined)
        this.durable.wrote(topic, partition, Number(messages[0]!.offset), result.commitLsn);
    } catch (err) {
      // A lost connection or a deadlock: throw, and the runtime fetches the batch again. Data the
      // database refuses would fail forever: dead-letter the batch with the reason and move on.
      if (!(err instanceof DatabaseError) || err.retriable) throw err;
      this.log.error(
        { topic, code: err.code, err: describeError(err), records: messages.length },
        'batch refused by the database; dead-lettered',
      );
      this.counters.rejected += messages.length;
      return messages.map((m) =>
        deadLetterRecord(t.dlq, {
          stage: 'sink',
          code: err.code,
          reason: describeError(err),
          payload: m.value,
          atUs: this.clock.nowUs(),
        }),
      );
    }
    for (const row of result.rejected) {
      rejected.push(
        deadLetterRecord(t.dlq, {
          stage: 'sink',
          code: 'BT_SINK_REFUSED',
          reason: row.reason,
          payload: JSON.stringify(row.row),
          atUs: this.clock.nowUs(),
        }),
      );
    }
    this.counters.rowsWritten += result.inserted;
    this.counters.duplicatesSkipped += result.skipped;
    this.counters.rejected += rejected.length;
    return rejected;
  }

  private parseObservations(messages: KafkaMessage[], rejected: OutputRecord[]): Observation[] {
    const out: Observation[] = [];
    for (const m of messages) {
      for (const decoded of decodeObservations(m.value)) {
        if (decoded.ok) {
          // A first read is in its window's summary, which follows under the same id: stored too, it
          // would count the read twice (the rollups sum `count`) and double the rows.
          if (decoded.value.kind === 'first') this.counters.firstReadsSkipped++;
          else out.push(decoded.value);
          continue;
        }
        this.log.warn(
          { epc: m.key?.toString('utf8'), offset: m.offset, code: decoded.code, reason: decoded.reason },
          'record refused by the sink',
        );
        rejected.push(this.deadLetter(decoded.code, decoded.reason, decoded.payload));
      }
    }
    return out;
  }

  private deadLetter(code: string, reason: string, payload: Buffer | string | null): OutputRecord {
    return deadLetterRecord(this.topics.dlq, {
      stage: 'sink',
      code,
      reason,
      payload,
      atUs: this.clock.nowUs(),
    });
  }

  private parseAll<S extends z.ZodType>(
    messages: KafkaMessage[],
    schema: S,
    name: string,
    rejected: OutputRecord[],
  ): Array<z.output<S>> {
    const out: Array<z.output<S>> = [];
    for (const m of messages) {
      const decoded = decodeRecord(schema, name, m.value);
      if (decoded.ok) {
        out.push(decoded.value);
        continue;
      }
      // The record's key names what it is about: the EPC (observations, events, customs), the reader (status).
      const keyField = name === 'ReaderStatus' ? 'readerId' : name === 'Alert' ? 'key' : 'epc';
      this.log.warn(
        { [keyField]: m.key?.toString('utf8'), offset: m.offset, code: decoded.code, reason: decoded.reason },
        'record refused by the sink',
      );
      rejected.push(this.deadLetter(decoded.code, decoded.reason, m.value));
    }
    return out;
  }
}
