import type pg from 'pg';

/**
 * Alerts about readers report the infrastructure, not the pallets: a fault may rightly add some (an
 * adapter SIGKILLed leaves its last will, "offline"), and a replay of the raw reads has no reader
 * status to raise them from. They are counted, not compared.
 */
const READER_ALERTS = ['READER_DOWN', 'READER_GAP'];

export interface StoredOutput {
  /** Every zone event as a canonical row (its id and content), sorted. */
  events: string[];
  /**
   * Each event's evidence (the observation ids it was decided on), by event id. Kept apart: after
   * locate restores a pallet from its changelog it may re-apply an observation from before the
   * crash, which then shows in the evidence of the next event too (same event, same id).
   */
  evidence: string[];
  /** Every pallet alert (all kinds but READER_DOWN and READER_GAP) as a canonical row, sorted. */
  alerts: string[];
  /**
   * The same, without times, confidence and ids: which pallet moved how (EPC, kind, zones,
   * direction) and which alert was raised about which pallet where. Replay and live run can decide
   * an event a window earlier or later when dedup emitted the same observations in another order
   * (its idle flush runs on processing time), which changes the time and so the id, not the move.
   */
  moves: string[];
  palletAlerts: string[];
  /** Alerts about readers, per kind. */
  readerAlerts: Record<string, number>;
}

/** What the sink stored in a schema: rows with deterministic ids, comparable across runs of the same input. */
export async function storedOutput(pool: pg.Pool, schema: string): Promise<StoredOutput> {
  const events = await pool.query<{ row: string; evidence: string; move: string }>(
    `SELECT concat_ws('|', id, site, epc, kind, from_zone, to_zone, direction, at_us, confidence) AS row,
            concat_ws('|', epc, kind, coalesce(from_zone, '-'), coalesce(to_zone, '-'), coalesce(direction, '-')) AS move,
            id || ':' || array_to_string(evidence, ',') AS evidence
       FROM "${schema}".zone_events ORDER BY id`,
  );
  const alerts = await pool.query<{ kind: string; row: string; coarse: string }>(
    `SELECT kind, concat_ws('|', id, site, kind, severity, epc, zone, reader_id, at_us, details::text) AS row,
            concat_ws('|', kind, epc, zone) AS coarse
       FROM "${schema}".alerts ORDER BY id`,
  );
  const readerAlerts: Record<string, number> = {};
  for (const a of alerts.rows)
    if (READER_ALERTS.includes(a.kind)) readerAlerts[a.kind] = (readerAlerts[a.kind] ?? 0) + 1;
  return {
    events: events.rows.map((r) => r.row),
    evidence: events.rows.map((r) => r.evidence),
    moves: events.rows.map((r) => r.move).sort(),
    palletAlerts: alerts.rows
      .filter((a) => !READER_ALERTS.includes(a.kind))
      .map((a) => a.coarse)
      .sort(),
    alerts: alerts.rows.filter((a) => !READER_ALERTS.includes(a.kind)).map((a) => a.row),
    readerAlerts,
  };
}

/** Rows of `want` that `have` lacks, counting repeats (multiset difference). */
export function missingRows(want: readonly string[], have: readonly string[]): number {
  const left = new Map<string, number>();
  for (const row of have) left.set(row, (left.get(row) ?? 0) + 1);
  let n = 0;
  for (const row of want) {
    const k = left.get(row) ?? 0;
    if (k === 0) n++;
    else left.set(row, k - 1);
  }
  return n;
}
