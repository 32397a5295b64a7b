import type { ZoneEvent } from '../../schemas/index.js';
import { unnestColumns, usToTimestamptz } from './batch-insert.js';
import type { Queryable } from './database.js';
import { qualify } from './sql-identifier.js';
import { zoneEventColumns } from './table-writes.js';

/** Events that change where a pallet is. CROSSED_GATE only records a passage (and `last_seen`). */
const MOVING_KINDS: ReadonlySet<string> = new Set(['ARRIVED', 'MOVED', 'DEPARTED']);

export interface PositionCounts {
  /** Pallets whose position row was created or moved. */
  moved: number;
  /** Moving events that changed nothing: older than the stored position, or superseded in the batch. */
  stale: number;
}

// The zone-event columns that decide a position, in the order the zone_events insert uses.
const MOVE_COLUMNS = new Set(['id', 'site', 'epc', 'kind', 'from_zone', 'to_zone', 'at_us']);
const moveColumns = zoneEventColumns.filter((c) => MOVE_COLUMNS.has(c.name));

const SEEN_COLUMNS = new Set(['site', 'epc', 'at_us']);
const seenColumns = zoneEventColumns.filter((c) => SEEN_COLUMNS.has(c.name));

/**
 * Fold zone events into `positions`, one row per (site, epc).
 *
 * The row is a function of one event: the pallet's latest ARRIVED/MOVED/DEPARTED by event time, ties
 * broken by event id. Storing the (since_us, last_event_id) of that event and updating only when an
 * incoming event compares greater makes the fold commutative and idempotent: a replayed, duplicated
 * or reordered stream ends in the same row, and an old event arriving late never moves a pallet back.
 * `last_seen` is a running maximum over the pallet's events, gate crossings included (a maximum is
 * order-free too). Positions are only created by moving events: a gate crossing alone does not place
 * a pallet, so a crossing written before the pallet's first move does not count towards `last_seen`.
 */
export async function applyPositions(
  db: Queryable,
  schema: string,
  events: readonly ZoneEvent[],
): Promise<PositionCounts> {
  const table = qualify(schema, 'positions');
  const ts = usToTimestamptz;
  const moves = events.filter((e) => MOVING_KINDS.has(e.kind));
  let moved = 0;
  if (moves.length > 0) {
    const { from, params } = unnestColumns(moves, moveColumns);
    // DISTINCT ON keeps each pallet's latest event of the batch (ON CONFLICT DO UPDATE may touch a
    // row once per statement); sorting by (site, epc) also makes concurrent writers lock in one order.
    const result = await db.query(
      `INSERT INTO ${table} AS p
         (site, epc, zone, from_zone, departed, since, since_us, last_seen, last_seen_us, last_event_id, last_event_kind)
       SELECT DISTINCT ON (site, epc)
              site, epc, CASE WHEN kind = 'DEPARTED' THEN NULL ELSE to_zone END, from_zone, kind = 'DEPARTED',
              ${ts('at_us')}, at_us, ${ts('at_us')}, at_us, id, kind
       FROM ${from}
       ORDER BY site, epc, at_us DESC, id DESC
       ON CONFLICT (site, epc) DO UPDATE SET
         zone = EXCLUDED.zone,
         from_zone = EXCLUDED.from_zone,
         departed = EXCLUDED.departed,
         since = EXCLUDED.since,
         since_us = EXCLUDED.since_us,
         last_event_id = EXCLUDED.last_event_id,
         last_event_kind = EXCLUDED.last_event_kind,
         last_seen = GREATEST(p.last_seen, EXCLUDED.last_seen),
         last_seen_us = GREATEST(p.last_seen_us, EXCLUDED.last_seen_us)
       WHERE (EXCLUDED.since_us, EXCLUDED.last_event_id) > (p.since_us, p.last_event_id)`,
      params,
    );
    moved = result.rowCount ?? 0;
  }
  // Events that did not win above (gate crossings, superseded moves) still advance last_seen.
  if (events.length > moves.length || moved < moves.length) {
    const { from, params } = unnestColumns(events, seenColumns);
    await db.query(
      `UPDATE ${table} AS p SET last_seen = ${ts('x.at_us')}, last_seen_us = x.at_us
       FROM (SELECT site, epc, max(at_us) AS at_us FROM ${from} GROUP BY site, epc ORDER BY site, epc) AS x
       WHERE p.site = x.site AND p.epc = x.epc AND p.last_seen_us < x.at_us`,
      params,
    );
  }
  return { moved, stale: moves.length - moved };
}
