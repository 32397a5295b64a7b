import type pg from 'pg';
import type { SiteLayout } from '../../schemas/index.js';
import { BONDTRACK_NS, toObjectEvent, type EpcisObjectEvent } from './object-event.js';
import { readZoneEvents, type ZoneEventQuery } from './zone-event-rows.js';

/** The GS1 EPCIS 2.0 JSON-LD context, plus our extension prefix. */
export const EPCIS_CONTEXT = [
  'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
  { bt: BONDTRACK_NS },
] as const;

export interface EpcisDocument {
  '@context': typeof EPCIS_CONTEXT;
  type: 'EPCISDocument';
  schemaVersion: '2.0';
  creationDate: string;
  epcisBody: { eventList: EpcisObjectEvent[] };
}

export function epcisDocument(events: EpcisObjectEvent[], createdAt: Date): EpcisDocument {
  return {
    '@context': EPCIS_CONTEXT,
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: createdAt.toISOString(),
    epcisBody: { eventList: events },
  };
}

/** Zone events of a time range (and zone) from the database, as one EPCIS document. */
export async function exportEpcis(
  pool: pg.Pool,
  schema: string,
  site: SiteLayout,
  query: ZoneEventQuery,
  now: Date = new Date(),
): Promise<EpcisDocument> {
  const rows = await readZoneEvents(pool, schema, { site: site.site, ...query });
  return epcisDocument(
    rows.map((row) => toObjectEvent(row, site)),
    now,
  );
}
