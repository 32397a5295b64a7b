import { deterministicId } from '../../runtime/ids.js';
import type {
  Alert,
  CustomsStatus,
  DeadLetter,
  ManifestEntry,
  Observation,
  ReaderStatus,
  ZoneEvent,
} from '../../schemas/index.js';
import {
  insertBatch,
  unnestColumns,
  usToTimestamptz,
  type Column,
  type InsertCounts,
} from './batch-insert.js';
import type { Queryable } from './database.js';
import { qualify } from './sql-identifier.js';

/*
 * One function per table: a whole batch in one INSERT … SELECT FROM unnest(…), idempotent through
 * ON CONFLICT DO NOTHING on deterministic keys. Table names are always schema-qualified (never
 * search_path), because on embedded PGlite all connections share one session's search_path.
 */

const ts = usToTimestamptz;

const observationColumns: ReadonlyArray<Column<Observation>> = [
  { name: 'id', type: 'text', value: (o) => o.id },
  { name: 'site', type: 'text', value: (o) => o.site },
  { name: 'epc', type: 'text', value: (o) => o.epc },
  { name: 'reader_id', type: 'text', value: (o) => o.readerId },
  { name: 'antenna', type: 'integer', value: (o) => o.antenna },
  { name: 'zone', type: 'text', value: (o) => o.zone ?? null },
  { name: 'first_seen_us', type: 'bigint', value: (o) => o.firstSeenUs },
  { name: 'last_seen_us', type: 'bigint', value: (o) => o.lastSeenUs },
  { name: 'count', type: 'integer', value: (o) => o.count },
  { name: 'max_rssi_dbm', type: 'float8', value: (o) => o.maxRssiDbm ?? null },
  { name: 'mean_rssi_dbm', type: 'float8', value: (o) => o.meanRssiDbm ?? null },
];

export function writeObservations(
  db: Queryable,
  schema: string,
  rows: readonly Observation[],
): Promise<InsertCounts> {
  return insertBatch(
    db,
    rows,
    observationColumns,
    (from) => `
    INSERT INTO ${qualify(schema, 'observations')}
      (id, site, epc, reader_id, antenna, zone, first_seen, last_seen, first_seen_us, last_seen_us, count, max_rssi_dbm, mean_rssi_dbm)
    SELECT id, site, epc, reader_id, antenna, zone, ${ts('first_seen_us')}, ${ts('last_seen_us')},
           first_seen_us, last_seen_us, count, max_rssi_dbm, mean_rssi_dbm
    FROM ${from}
    ON CONFLICT DO NOTHING`,
  );
}

export const zoneEventColumns: ReadonlyArray<Column<ZoneEvent>> = [
  { name: 'id', type: 'text', value: (e) => e.id },
  { name: 'site', type: 'text', value: (e) => e.site },
  { name: 'epc', type: 'text', value: (e) => e.epc },
  { name: 'kind', type: 'text', value: (e) => e.kind },
  { name: 'from_zone', type: 'text', value: (e) => e.fromZone ?? null },
  { name: 'to_zone', type: 'text', value: (e) => e.toZone ?? null },
  { name: 'direction', type: 'text', value: (e) => e.direction ?? null },
  { name: 'at_us', type: 'bigint', value: (e) => e.atUs },
  { name: 'confidence', type: 'float8', value: (e) => e.confidence },
  // A text[] per row cannot ride in an unnest (it would flatten), so each travels as a JSON array.
  { name: 'evidence', type: 'jsonb', value: (e) => JSON.stringify(e.evidence) },
];

export function writeZoneEvents(
  db: Queryable,
  schema: string,
  rows: readonly ZoneEvent[],
): Promise<InsertCounts> {
  return insertBatch(
    db,
    rows,
    zoneEventColumns,
    (from) => `
    INSERT INTO ${qualify(schema, 'zone_events')}
      (id, site, epc, kind, from_zone, to_zone, direction, at, at_us, confidence, evidence, stored_at)
    SELECT id, site, epc, kind, from_zone, to_zone, direction, ${ts('at_us')}, at_us, confidence,
           ARRAY(SELECT jsonb_array_elements_text(evidence)), clock_timestamp()
    FROM ${from}
    ON CONFLICT DO NOTHING`,
  );
}

const alertColumns: ReadonlyArray<Column<Alert>> = [
  { name: 'id', type: 'text', value: (a) => a.id },
  { name: 'site', type: 'text', value: (a) => a.site },
  { name: 'kind', type: 'text', value: (a) => a.kind },
  { name: 'severity', type: 'text', value: (a) => a.severity },
  { name: 'epc', type: 'text', value: (a) => a.epc ?? null },
  { name: 'zone', type: 'text', value: (a) => a.zone ?? null },
  { name: 'reader_id', type: 'text', value: (a) => a.readerId ?? null },
  { name: 'at_us', type: 'bigint', value: (a) => a.atUs },
  { name: 'details', type: 'jsonb', value: (a) => JSON.stringify(a.details ?? {}) },
];

export function writeAlerts(db: Queryable, schema: string, rows: readonly Alert[]): Promise<InsertCounts> {
  return insertBatch(
    db,
    rows,
    alertColumns,
    (from) => `
    INSERT INTO ${qualify(schema, 'alerts')} (id, site, kind, severity, epc, zone, reader_id, at, at_us, details)
    SELECT id, site, kind, severity, epc, zone, reader_id, ${ts('at_us')}, at_us, details
    FROM ${from}
    ON CONFLICT DO NOTHING`,
  );
}

/** A reader status with its event time; see `writeReaderStatus`. */
export type DatedReaderStatus = ReaderStatus & { atUs: number };

const readerStatusColumns: ReadonlyArray<Column<DatedReaderStatus>> = [
  { name: 'site', type: 'text', value: (s) => s.site },
  { name: 'reader_id', type: 'text', value: (s) => s.readerId },
  { name: 'state', type: 'text', value: (s) => s.state },
  { name: 'at_us', type: 'bigint', value: (s) => s.atUs },
  { name: 'detail', type: 'text', value: (s) => s.detail ?? null },
];

/**
 * Reader status history, keyed (site, reader, time, state). Needs `atUs`: a last will has none, and
 * stamping it with the wall clock here would store a replay as a new, later status (and could show
 * a reader that is back online as offline). The stage that reads it should date it with the time it
 * was received, e.g. the Kafka record timestamp, which a replay keeps.
 */
export function writeReaderStatus(
  db: Queryable,
  schema: string,
  rows: readonly DatedReaderStatus[],
): Promise<InsertCounts> {
  return insertBatch(
    db,
    rows,
    readerStatusColumns,
    (from) => `
    INSERT INTO ${qualify(schema, 'reader_status')} (site, reader_id, state, at, at_us, detail)
    SELECT site, reader_id, state, ${ts('at_us')}, at_us, detail
    FROM ${from}
    ON CONFLICT DO NOTHING`,
  );
}

/** Customs status changes carry no id in the contract; this one is derived from every field. */
export function customsStatusId(c: CustomsStatus): string {
  return deterministicId('customs', c.site, c.epc ?? '', c.sscc ?? '', c.declarationId, c.status, c.atUs);
}

const customsColumns: ReadonlyArray<Column<CustomsStatus>> = [
  { name: 'id', type: 'text', value: customsStatusId },
  { name: 'site', type: 'text', value: (c) => c.site },
  { name: 'epc', type: 'text', value: (c) => c.epc ?? null },
  { name: 'sscc', type: 'text', value: (c) => c.sscc ?? null },
  { name: 'declaration_id', type: 'text', value: (c) => c.declarationId },
  { name: 'status', type: 'text', value: (c) => c.status },
  { name: 'at_us', type: 'bigint', value: (c) => c.atUs },
  { name: 'note', type: 'text', value: (c) => c.note ?? null },
];

export function writeCustomsStatus(
  db: Queryable,
  schema: string,
  rows: readonly CustomsStatus[],
): Promise<InsertCounts> {
  return insertBatch(
    db,
    rows,
    customsColumns,
    (from) => `
    INSERT INTO ${qualify(schema, 'customs_status')} (id, site, epc, sscc, declaration_id, status, at, at_us, note)
    SELECT id, site, epc, sscc, declaration_id, status, ${ts('at_us')}, at_us, note
    FROM ${from}
    ON CONFLICT DO NOTHING`,
  );
}

/** The table keeps the first 64 KiB of a payload; the dead-letter topic keeps all of it. */
export const DEAD_LETTER_PAYLOAD_CHARS = 65_536;

/** Dead letters carry no id either; the payload is part of it, so two different bad inputs differ. */
export function deadLetterId(d: DeadLetter): string {
  return deterministicId(
    'dead-letter',
    d.stage,
    d.code,
    d.site ?? '',
    d.readerId ?? '',
    d.atUs,
    d.payloadEncoding,
    d.payload,
  );
}

const deadLetterColumns: ReadonlyArray<Column<DeadLetter>> = [
  { name: 'id', type: 'text', value: deadLetterId },
  { name: 'stage', type: 'text', value: (d) => d.stage },
  { name: 'code', type: 'text', value: (d) => d.code },
  { name: 'reason', type: 'text', value: (d) => d.reason },
  { name: 'site', type: 'text', value: (d) => d.site ?? null },
  { name: 'reader_id', type: 'text', value: (d) => d.readerId ?? null },
  { name: 'at_us', type: 'bigint', value: (d) => d.atUs },
  { name: 'payload', type: 'text', value: (d) => d.payload.slice(0, DEAD_LETTER_PAYLOAD_CHARS) },
  { name: 'payload_encoding', type: 'text', value: (d) => d.payloadEncoding },
  { name: 'payload_chars', type: 'integer', value: (d) => d.payload.length },
];

export function writeDeadLetters(
  db: Queryable,
  schema: string,
  rows: readonly DeadLetter[],
): Promise<InsertCounts> {
  return insertBatch(
    db,
    rows,
    deadLetterColumns,
    (from) => `
    INSERT INTO ${qualify(schema, 'dead_letters')}
      (id, stage, code, reason, site, reader_id, at, at_us, payload, payload_encoding, payload_chars)
    SELECT id, stage, code, reason, site, reader_id, ${ts('at_us')}, at_us, payload, payload_encoding, payload_chars
    FROM ${from}
    ON CONFLICT DO NOTHING`,
  );
}

const palletColumns: ReadonlyArray<Column<ManifestEntry>> = [
  { name: 'epc', type: 'text', value: (p) => p.epc },
  { name: 'sscc', type: 'text', value: (p) => p.sscc },
  { name: 'declaration_id', type: 'text', value: (p) => p.declarationId ?? null },
  { name: 'description', type: 'text', value: (p) => p.description },
  { name: 'consignee', type: 'text', value: (p) => p.consignee },
  { name: 'expected_at_us', type: 'bigint', value: (p) => p.expectedAtUs ?? null },
];

/**
 * Store a site's manifest. Unlike the event tables this updates: a manifest is reference data that
 * changes (a declaration is filed, a consignee corrected). Returns how many rows were new or changed.
 */
export async function upsertPallets(
  db: Queryable,
  schema: string,
  site: string,
  entries: readonly ManifestEntry[],
): Promise<{ changed: number; unchanged: number }> {
  // One row per EPC (the last entry wins): ON CONFLICT DO UPDATE refuses to touch a row twice.
  const rows = [...new Map(entries.map((e) => [e.epc, e])).values()];
  if (rows.length === 0) return { changed: 0, unchanged: 0 };
  const { from, params } = unnestColumns(rows, palletColumns);
  const table = qualify(schema, 'pallets');
  const result = await db.query(
    `INSERT INTO ${table} AS p (site, epc, sscc, declaration_id, description, consignee, expected_at, expected_at_us)
     SELECT $${params.length + 1}::text, epc, sscc, declaration_id, description, consignee,
            ${ts('expected_at_us')}, expected_at_us
     FROM ${from}
     ON CONFLICT (site, epc) DO UPDATE SET
       sscc = EXCLUDED.sscc, declaration_id = EXCLUDED.declaration_id, description = EXCLUDED.description,
       consignee = EXCLUDED.consignee, expected_at = EXCLUDED.expected_at, expected_at_us = EXCLUDED.expected_at_us
     WHERE (p.sscc, p.declaration_id, p.description, p.consignee, p.expected_at_us)
           IS DISTINCT FROM (EXCLUDED.sscc, EXCLUDED.declaration_id, EXCLUDED.description, EXCLUDED.consignee, EXCLUDED.expected_at_us)`,
    [...params, site],
  );
  const changed = result.rowCount ?? 0;
  return { changed, unchanged: rows.length - changed };
}
