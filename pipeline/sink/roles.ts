import type { Queryable } from './database.js';
import { toDatabaseError } from './db-errors.js';
import { assertSchemaName, quoteIdent } from './sql-identifier.js';

/**
 * The relations Grafana may read: the views and rollups the dashboards query, nothing raw. Views
 * read their tables with their owner's rights, so the role needs no grant on the tables behind them.
 */
export const GRAFANA_RELATIONS = [
  'alert_log',
  'alerts_1m',
  'antenna_activity',
  'consumer_lag_log',
  'customs_current',
  'dead_letter_log',
  'dwell_stats',
  'event_evidence',
  'manifest_reconciliation',
  'pallet_events',
  'pallet_positions',
  'reader_reads_1m',
  'readers_current',
  'site_zones',
  'zone_occupancy_1m',
  'zone_stays',
  'zone_transitions_1m',
] as const;

/** Maintenance functions the writer may call (the migrations revoke them from PUBLIC). */
const WRITER_FUNCTIONS = ['refresh_rollups()', 'apply_retention()', 'create_partitions_ahead()'];

export interface RoleOptions {
  /** Schema that holds the tables, already migrated. */
  schema: string;
  /** Role the sink writes as. Default `bondtrack_writer`. */
  writerRole?: string;
  /** Role Grafana's datasource connects as. Default `bondtrack_grafana`. */
  grafanaRole?: string;
}

/**
 * Create the two roles if missing (NOLOGIN: give a login user membership, or ALTER ROLE … LOGIN
 * PASSWORD, outside Bondtrack) and grant them what they need in `schema`. Idempotent. Run it as the
 * role that ran the migrations: it owns the objects it grants on.
 */
export async function grantRoles(
  db: Queryable,
  options: RoleOptions,
): Promise<{ writerRole: string; grafanaRole: string }> {
  const schema = quoteIdent(assertSchemaName(options.schema));
  const writerRole = assertSchemaName(options.writerRole ?? 'bondtrack_writer');
  const grafanaRole = assertSchemaName(options.grafanaRole ?? 'bondtrack_grafana');
  const writer = quoteIdent(writerRole);
  const grafana = quoteIdent(grafanaRole);
  const statements = [
    createRoleSql(writerRole),
    createRoleSql(grafanaRole),
    `GRANT USAGE ON SCHEMA ${schema} TO ${writer}, ${grafana}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${writer}`,
    ...WRITER_FUNCTIONS.map((f) => `GRANT EXECUTE ON FUNCTION ${schema}.${f} TO ${writer}`),
    `GRANT SELECT ON ${GRAFANA_RELATIONS.map((r) => `${schema}.${quoteIdent(r)}`).join(', ')} TO ${grafana}`,
  ];
  try {
    for (const sql of statements) await db.query(sql);
  } catch (err) {
    throw toDatabaseError(
      'BT_DB_ROLES',
      `cannot grant roles ${writerRole} and ${grafanaRole} in schema ${options.schema}`,
      err,
    );
  }
  return { writerRole, grafanaRole };
}

/** CREATE ROLE unless it exists; two sessions racing may see either error, both mean "exists". */
function createRoleSql(role: string): string {
  const literal = `'${role.replaceAll("'", "''")}'`;
  return `DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal}) THEN
      CREATE ROLE ${quoteIdent(role)} NOLOGIN;
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END $$`;
}
