import type { SiteLayout, ZoneKind } from '../../schemas/index.js';
import { epcToUri } from '../epc/index.js';
import { cbvTerms } from './cbv-vocabulary.js';
import { eventHashId } from './event-hash.js';
import type { ZoneEventRow } from './zone-event-rows.js';

/** Our extension namespace (JSON-LD prefix `bt`); CBV has no customs terms (formats.md §3.3). */
export const BONDTRACK_NS = 'https://ns.bondtrack.dev/epcis/1/';

/** An EPCIS 2.0 ObjectEvent in JSON-LD, as we export it. */
export interface EpcisObjectEvent {
  type: 'ObjectEvent';
  eventTime: string;
  eventTimeZoneOffset: string;
  eventID: string;
  epcList: string[];
  action: 'OBSERVE';
  bizStep: string;
  disposition: string;
  readPoint?: { id: string };
  bizLocation?: { id: string };
  [extension: `bt:${string}`]: string;
}

/** `+08:00` for an IANA zone at an instant (EPCIS eventTimeZoneOffset, ±hh:mm). */
export function timeZoneOffset(timeZone: string, at: Date): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-]\d{2}:\d{2})?/.exec(name ?? '');
  return match?.[1] ?? '+00:00';
}

/**
 * A zone event as an EPCIS ObjectEvent (action OBSERVE). readPoint is where it was seen (the zone
 * entered, the gate crossed, the zone left); bizLocation where the pallet now is, omitted once it
 * left (departed, or out through a gate). Zones without an SGLN in the layout give neither.
 */
export function toObjectEvent(row: ZoneEventRow, site: SiteLayout): EpcisObjectEvent {
  const zones = new Map(site.zones.map((z) => [z.id, z]));
  const sgln = (zone: string | null): { id: string } | undefined => {
    const id = zone === null ? undefined : zones.get(zone)?.sgln;
    return id === undefined ? undefined : { id };
  };
  const seenAt = row.kind === 'DEPARTED' ? row.fromZone : row.toZone;
  const leaving = row.kind === 'DEPARTED' || (row.kind === 'CROSSED_GATE' && row.direction === 'OUT');
  const toKind: ZoneKind | undefined = row.toZone === null ? undefined : zones.get(row.toZone)?.kind;
  const at = new Date(Math.floor(row.atUs / 1000));
  const extensions: Record<string, string> = { zoneEvent: row.kind, bondtrackEventId: row.id };
  if (row.direction !== null) extensions['direction'] = row.direction;
  if (row.customsStatus !== null) extensions['customsStatus'] = row.customsStatus;
  if (row.declarationId !== null) extensions['declarationId'] = row.declarationId;
  const readPoint = sgln(seenAt);
  const bizLocation = leaving ? undefined : sgln(row.toZone);
  const body = {
    eventTime: at.toISOString(),
    eventTimeZoneOffset: timeZoneOffset(site.timezone, at),
    epcList: [epcToUri(row.epc)],
    action: 'OBSERVE' as const,
    ...cbvTerms({ kind: row.kind, ...(row.direction === null ? {} : { direction: row.direction }) }, toKind),
    ...(readPoint === undefined ? {} : { readPoint }),
    ...(bizLocation === undefined ? {} : { bizLocation }),
  };
  const eventID = eventHashId({
    ...body,
    extensions: Object.fromEntries(Object.entries(extensions).map(([k, v]) => [`{${BONDTRACK_NS}}${k}`, v])),
  });
  return {
    type: 'ObjectEvent',
    ...body,
    eventID,
    ...Object.fromEntries(Object.entries(extensions).map(([k, v]) => [`bt:${k}`, v])),
  };
}
