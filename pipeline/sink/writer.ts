import type pg from 'pg';
import type {
  Alert,
  CustomsStatus,
  DeadLetter,
  Observation,
  ReaderStatus,
  ZoneEvent,
} from '../../schemas/index.js';
import { NO_ROWS, type InsertCounts } from './batch-insert.js';
import { withAsyncCommit, withTransaction } from './database.js';
import { toDatabaseError } from './db-errors.js';
import { applyPositions, type PositionCounts } from './positions.js';
import { assertSchemaName } from './sql-identifier.js';
import {
  writeAlerts,
  writeCustomsStatus,
  writeDeadLetters,
  writeObservations,
  writeReaderStatus,
  writeZoneEvents,
  type DatedReaderStatus,
} from './table-writes.js';

export type { InsertCounts } from './batch-insert.js';
export type { PositionCounts } from './positions.js';
export { applyPositions } from './positions.js';
export {
  customsStatusId,
  deadLetterId,
  upsertPallets,
  writeAlerts,
  writeCustomsStatus,
  writeDeadLetters,
  writeObservations,
  writeReaderStatus,
  writeZoneEvents,
  type DatedReaderStatus,
} from './table-writes.js';

/** Everything one Kafka batch produced for the database; any field may be absent or empty. */
export interface SinkBatch {
  observations?: readonly Observation[];
  /** Stored in `zone_events` and folded into `positions`. */
  zoneEvents?: readonly ZoneEvent[];
  alerts?: readonly Alert[];
  /** Statuses without `atUs` (MQTT last wills) are not stored but returned in `rejected`. */
  readerStatus?: readonly ReaderStatus[];
  customs?: readonly CustomsStatus[];
  deadLetters?: readonly DeadLetter[];
}

/** A row the writer refused, with the reason, for the caller to count, log and dead-letter. */
export interface RejectedRow {
  table: 'reader_status';
  reason: string;
  row: unknown;
}

export interface WriteBatchResult {
  /** New rows over all event tables. */
  inserted: number;
  /** Rows already stored (replays, redeliveries) or repeated within the batch. */
  skipped: number;
  observations: InsertCounts;
  zoneEvents: InsertCounts;
  alerts: InsertCounts;
  readerStatus: InsertCounts;
  customs: InsertCounts;
  deadLetters: InsertCounts;
  positions: PositionCounts;
  rejected: RejectedRow[];
  /**
   * With `asynchronousCommit`: where the transaction's commit record ends in the WAL. It is durable
   * once `pg_current_wal_flush_lsn()` reaches this. Absent when nothing was written.
   */
  commitLsn?: bigint;
}

export interface WriteBatchOptions {
  /**
   * Commit without waiting for the WAL flush (database.ts `withAsyncCommit`): the rows are visible at
   * once and durable a little later, at `commitLsn`. Default false.
   */
  asynchronousCommit?: boolean;
}

function isDated(s: ReaderStatus): s is DatedReaderStatus {
  return s.atUs !== undefined;
}

/**
 * Write one batch in one transaction: all of it becomes visible together or none of it does, so the
 * caller commits its Kafka offsets after this resolves (with `asynchronousCommit`, once the WAL is
 * flushed to `commitLsn`). Idempotent: writing the same batch again
 * inserts nothing and leaves `positions` as it was. Fails with a `DatabaseError` (code
 * BT_DB_WRITE_FAILED) whose `retriable` says whether retrying the batch can help (lost connection,
 * deadlock) or not (data the database refuses: dead-letter the batch).
 */
export async function writeBatch(
  pool: pg.Pool,
  schema: string,
  batch: SinkBatch,
  options: WriteBatchOptions = {},
): Promise<WriteBatchResult> {
  assertSchemaName(schema);
  const dated = (batch.readerStatus ?? []).filter(isDated);
  const rejected: RejectedRow[] = (batch.readerStatus ?? [])
    .filter((s) => !isDated(s))
    .map((row) => ({
      table: 'reader_status',
      reason: 'reader status without atUs (a last will?) has no event time',
      row,
    }));
  const empty: WriteBatchResult = {
    inserted: 0,
    skipped: 0,
    observations: NO_ROWS,
    zoneEvents: NO_ROWS,
    alerts: NO_ROWS,
    readerStatus: NO_ROWS,
    customs: NO_ROWS,
    deadLetters: NO_ROWS,
    positions: { moved: 0, stale: 0 },
    rejected,
  };
  const sizes = [batch.observations, batch.zoneEvents, batch.alerts, dated, batch.customs, batch.deadLetters];
  if (sizes.every((rows) => rows === undefined || rows.length === 0)) return empty;

  let result: WriteBatchResult;
  try {
    const write = async (client: pg.PoolClient): Promise<WriteBatchResult> => {
      const events = batch.zoneEvents ?? [];
      const out: WriteBatchResult = { ...empty };
      out.observations = await writeObservations(client, schema, batch.observations ?? []);
      out.zoneEvents = await writeZoneEvents(client, schema, events);
      if (events.length > 0) out.positions = await applyPositions(client, schema, events);
      out.alerts = await writeAlerts(client, schema, batch.alerts ?? []);
      out.readerStatus = await writeReaderStatus(client, schema, dated);
      out.customs = await writeCustomsStatus(client, schema, batch.customs ?? []);
      out.deadLetters = await writeDeadLetters(client, schema, batch.deadLetters ?? []);
      return out;
    };
    if (options.asynchronousCommit) {
      const { value, commitLsn } = await withAsyncCommit(pool, write);
      result = { ...value, commitLsn };
    } else result = await withTransaction(pool, write);
  } catch (err) {
    throw toDatabaseError('BT_DB_WRITE_FAILED', `cannot write a batch to schema ${schema}`, err);
  }
  const tables = [
    result.observations,
    result.zoneEvents,
    result.alerts,
    result.readerStatus,
    result.customs,
    result.deadLetters,
  ];
  result.inserted = tables.reduce((n, t) => n + t.inserted, 0);
  result.skipped = tables.reduce((n, t) => n + t.duplicates, 0);
  return result;
}
