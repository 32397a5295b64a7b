import type { Queryable } from '../sink/database.js';
import { toDatabaseError } from '../sink/db-errors.js';
import { qualify } from '../sink/sql-identifier.js';

/** A stored zone event with the pallet's customs status as it was at the event's time. */
export interface ZoneEventRow {
  id: string;
  site: string;
  epc: string;
  kind: 'ARRIVED' | 'MOVED' | 'DEPARTED' | 'CROSSED_GATE';
  fromZone: string | null;
  toZone: string | null;
  direction: 'IN' | 'OUT' | null;
  atUs: number;
  customsStatus: string | null;
  declarationId: string | null;
}

export interface ZoneEventQuery {
  /** Event time range, from inclusive, to exclusive. */
  from: Date;
  to: Date;
  /** Only events into or out of this zone (or at this gate). */
  zone?: string;
  /** Only this site. */
  site?: string;
  /** Most events returned. Default 10 000. */
  limit?: number;
}

/**
 * Zone events in event-time order. The customs status is the latest change at or before the event
 * (keyed by EPC, or by SSCC through the manifest), so an export of the past says what customs had
 * decided then, not now.
 */
export async function readZoneEvents(
  db: Queryable,
  schema: string,
  q: ZoneEventQuery,
): Promise<ZoneEventRow[]> {
  const events = qualify(schema, 'zone_events');
  const pallets = qualify(schema, 'pallets');
  const customs = qualify(schema, 'customs_status');
  try {
    const { rows } = await db.query<ZoneEventRow & { atUs: string }>(
      `SELECT e.id, e.site, e.epc, e.kind, e.from_zone AS "fromZone", e.to_zone AS "toZone", e.direction,
              e.at_us::text AS "atUs", c.status AS "customsStatus",
              COALESCE(c.declaration_id, p.declaration_id) AS "declarationId"
       FROM ${events} e
       LEFT JOIN ${pallets} p ON p.site = e.site AND p.epc = e.epc
       LEFT JOIN LATERAL (
         SELECT cs.status, cs.declaration_id FROM ${customs} cs
         WHERE cs.site = e.site AND cs.at_us <= e.at_us
           AND (cs.epc = e.epc OR (cs.epc IS NULL AND cs.sscc = p.sscc))
         ORDER BY cs.at_us DESC, cs.id DESC LIMIT 1
       ) c ON true
       WHERE e.at >= $1 AND e.at < $2
         AND ($3::text IS NULL OR e.to_zone = $3 OR e.from_zone = $3)
         AND ($4::text IS NULL OR e.site = $4)
       ORDER BY e.at_us, e.id
       LIMIT $5`,
      [q.from, q.to, q.zone ?? null, q.site ?? null, q.limit ?? 10_000],
    );
    return rows.map((r) => ({ ...r, atUs: Number(r.atUs) }));
  } catch (err) {
    throw toDatabaseError('BT_EPCIS_QUERY', 'cannot read zone events for EPCIS', err);
  }
}
