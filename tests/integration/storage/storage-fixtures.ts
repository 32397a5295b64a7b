import type pg from 'pg';
import { onTestFinished } from 'vitest';
import { createPool } from '../../../pipeline/sink/database.js';
import { quoteIdent } from '../../../pipeline/sink/sql-identifier.js';
import { deterministicId } from '../../../runtime/ids.js';
import { createLogger, type Logger } from '../../../runtime/logger.js';
import type {
  Alert,
  CustomsStatus,
  DeadLetter,
  Observation,
  ReaderStatus,
  ZoneEvent,
} from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';

/** 2025-06-01T08:00:00.123456Z in µs: sub-millisecond digits, so a lossy conversion would show. */
export const T0_US = 1_748_764_800_123_456;
export const SITE = 'waigaoqiao-1';
export const EPC = '3034257BF7194E4000000001';

/** Warnings and errors only, unless LOG_LEVEL asks for more. */
export function quietLogger(name = 'test.storage'): Logger {
  const logger = createLogger(name);
  if (process.env['LOG_LEVEL'] === undefined) logger.level = 'warn';
  return logger;
}

/** A pool on the test PostgreSQL, ended when the test finishes. */
export function testPool(url = testServices().databaseUrl, max = 4): pg.Pool {
  const pool = createPool(url, { max, logger: quietLogger() });
  onTestFinished(() => pool.end());
  return pool;
}

/** A schema name (random unless given), dropped with everything in it when the test finishes. */
export function testSchema(pool: pg.Pool, schema = uniqueName('bt')): string {
  onTestFinished(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  });
  return schema;
}

export function observation(n: number, overrides: Partial<Observation> = {}): Observation {
  const firstSeenUs = T0_US + n * 1_000_000;
  return {
    v: 1,
    id: deterministicId('obs', n, overrides.epc ?? EPC),
    site: SITE,
    epc: EPC,
    readerId: 'dock-1',
    antenna: 1 + (n % 4),
    zone: 'DOCK-A',
    firstSeenUs,
    lastSeenUs: firstSeenUs + 750_001,
    count: 3 + n,
    maxRssiDbm: -51.25,
    meanRssiDbm: -57.123456789,
    ...overrides,
  };
}

export function zoneEvent(
  kind: ZoneEvent['kind'],
  atUs: number,
  overrides: Partial<ZoneEvent> = {},
): ZoneEvent {
  return {
    v: 1,
    id: deterministicId(
      'event',
      kind,
      atUs,
      overrides.epc ?? EPC,
      overrides.toZone ?? '',
      overrides.fromZone ?? '',
    ),
    site: SITE,
    epc: EPC,
    kind,
    atUs,
    confidence: 0.9,
    evidence: [deterministicId('e1', atUs), deterministicId('e2', atUs)],
    ...overrides,
  };
}

export function alert(n: number, overrides: Partial<Alert> = {}): Alert {
  return {
    v: 1,
    id: deterministicId('alert', n),
    site: SITE,
    kind: 'DWELL_EXCEEDED',
    severity: 'WARNING',
    epc: EPC,
    zone: 'STORE-1',
    atUs: T0_US + n,
    details: { dwellSec: 7200 + n, declarationId: 'D-1', released: false, note: null },
    ...overrides,
  };
}

export function readerStatus(
  state: ReaderStatus['state'],
  atUs: number | undefined,
  readerId = 'dock-1',
): ReaderStatus {
  return {
    v: 1,
    site: SITE,
    readerId,
    state,
    ...(atUs === undefined ? {} : { atUs }),
    detail: `${state} at ${atUs ?? 'will'}`,
  };
}

export function customs(
  status: CustomsStatus['status'],
  atUs: number,
  key: { epc?: string; sscc?: string } = { epc: EPC },
): CustomsStatus {
  return { v: 1, site: SITE, ...key, declarationId: 'D-2025-0001', status, atUs };
}

export function deadLetter(n: number, payload = `garbage line ${n}`): DeadLetter {
  return {
    v: 1,
    stage: 'adapter:serial',
    code: 'BT_SERIAL_PARSE',
    reason: 'not a tag read',
    site: SITE,
    readerId: 'dock-1',
    payload,
    payloadEncoding: 'utf8',
    atUs: T0_US + n,
  };
}

/** What the migrations create, on both paths (TimescaleDB and plain PostgreSQL). */
export const EXPECTED_TABLES = [
  'alerts',
  'consumer_lag',
  'customs_status',
  'dead_letters',
  'observations',
  'pallets',
  'partition_plan',
  'positions',
  'reader_status',
  'schema_migrations',
  'site_antennas',
  'site_zones',
  'storage_policies',
  'zone_events',
];
/**
 * Views the migrations create, the rollups too: on TimescaleDB continuous aggregates, which
 * information_schema lists as views; on plain PostgreSQL views over tables of materialized minutes.
 */
export const ROLLUPS = ['alerts_1m', 'reader_reads_1m', 'zone_occupancy_1m', 'zone_transitions_1m'];
export const EXPECTED_VIEWS = [
  'alert_log',
  'antenna_activity',
  'consumer_lag_log',
  'customs_current',
  'dead_letter_log',
  'dwell_stats',
  'event_evidence',
  'manifest_reconciliation',
  'pallet_events',
  'pallet_positions',
  'readers_current',
  'zone_stays',
  ...ROLLUPS,
].sort();
/** Plain PostgreSQL's tables behind the rollups (migration 0008), besides EXPECTED_TABLES. */
export const EXPECTED_TABLES_PLAIN = [
  ...EXPECTED_TABLES,
  ...ROLLUPS.map((r) => `${r}_materialized`),
  'rollup_definitions',
  'rollup_invalidations',
].sort();
export const HYPERTABLES = ['alerts', 'consumer_lag', 'observations', 'reader_status', 'zone_events'];

/**
 * Tables and views of a schema, by kind, sorted. Partitions (plain PostgreSQL, migration 0005) are
 * left out: they come and go with time; the partitioned parents are the tables.
 */
export async function schemaObjects(
  db: pg.Pool,
  schema: string,
): Promise<{ tables: string[]; views: string[] }> {
  const { rows } = await db.query<{ table_name: string; table_type: string }>(
    `SELECT t.table_name, t.table_type FROM information_schema.tables t
     JOIN pg_class c ON c.relname = t.table_name AND c.relnamespace = to_regnamespace(quote_ident(t.table_schema))
     WHERE t.table_schema = $1 AND NOT c.relispartition ORDER BY t.table_name`,
    [schema],
  );
  return {
    tables: rows.filter((r) => r.table_type === 'BASE TABLE').map((r) => r.table_name),
    views: rows.filter((r) => r.table_type === 'VIEW').map((r) => r.table_name),
  };
}

/**
 * Run `sql` as `role` in a transaction that is rolled back, so nothing it did (nor the role
 * switch, which PGlite's single session would share with every connection) outlives it.
 */
export async function asRole(
  pool: pg.Pool,
  role: string,
  sql: string,
): Promise<{ rows: unknown[] } | { error: string }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${quoteIdent(role)}`);
    const { rows } = await client.query(sql);
    return { rows };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** A random role name, dropped (with its grants) when the test finishes: roles outlive schemas. */
export function testRole(pool: pg.Pool, prefix: string): string {
  const role = uniqueName(prefix);
  onTestFinished(async () => {
    await pool.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => undefined);
    await pool.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  });
  return role;
}
