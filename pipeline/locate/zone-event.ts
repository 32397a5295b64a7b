import { deterministicId } from '../../runtime/ids.js';
import type { Direction, Observation, ZoneEvent } from '../../schemas/index.js';

/**
 * A zone event with its deterministic id: (`event`, EPC, kind, from, to, direction, event time), so
 * a replay of the same observations emits the same ids. Evidence is capped at 64 observation ids.
 */
export function zoneEvent(
  obs: Observation,
  kind: ZoneEvent['kind'],
  fields: {
    fromZone?: string | undefined;
    toZone?: string;
    direction?: Direction;
    atUs: number;
    confidence: number;
    evidence: string[];
  },
): ZoneEvent {
  const event: ZoneEvent = {
    v: 1,
    id: deterministicId(
      'event',
      obs.epc,
      kind,
      fields.fromZone ?? '',
      fields.toZone ?? '',
      fields.direction ?? '',
      fields.atUs,
    ),
    site: obs.site,
    epc: obs.epc,
    kind,
    atUs: fields.atUs,
    confidence: Math.round(fields.confidence * 1000) / 1000,
    evidence: fields.evidence.slice(0, 64),
  };
  if (fields.fromZone !== undefined) event.fromZone = fields.fromZone;
  if (fields.toZone !== undefined) event.toZone = fields.toZone;
  if (fields.direction !== undefined) event.direction = fields.direction;
  return event;
}
