import { deterministicId } from '../../runtime/ids.js';
import type { Direction, Observation, ZoneEvent } from '../../schemas/index.js';

/**
 * A zone event with its deterministic id: (`event`, EPC, kind, from, to, direction, event time), so
 * a replay of the same observations emits the same ids. Evidence is capped at 64 observation ids.
 *
 * `obs` is the observation whose arrival decided the event, and it is always in the evidence (last,
 * when the rule's own evidence did not name it): a decision that waited for the old zone's evidence
 * to fade is taken on the pallet's next observation, which may be of another antenna. Evidence is
 * then what the decision rested on, the moment included, and the bench's latency runs from the
 * read that made the decision, not from an earlier one the rule waited past (docs/benchmark.md).
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
    evidence: withDecidingObservation(fields.evidence, obs.id),
  };
  if (fields.fromZone !== undefined) event.fromZone = fields.fromZone;
  if (fields.toZone !== undefined) event.toZone = fields.toZone;
  if (fields.direction !== undefined) event.direction = fields.direction;
  return event;
}

function withDecidingObservation(evidence: readonly string[], id: string): string[] {
  if (evidence.includes(id)) return evidence.slice(0, 64);
  return [...evidence.slice(0, 63), id];
}
