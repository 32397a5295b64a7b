import { z } from 'zod';
import { Confidence, DeterministicId, EpcHex, EpochMicros, Identifier } from './primitives.js';

/**
 * ARRIVED: first seen in the site, in `toZone`. MOVED: from `fromZone` to `toZone`.
 * DEPARTED: left `fromZone` and the site (not seen, or past the exit gate).
 * CROSSED_GATE: passed the portal of gate `toZone` in `direction`.
 */
export const ZoneEventKind = z.enum(['ARRIVED', 'MOVED', 'DEPARTED', 'CROSSED_GATE']);
export type ZoneEventKind = z.infer<typeof ZoneEventKind>;

/** IN: into the bonded area (PORTAL_OUT antenna then PORTAL_IN); OUT: the reverse. */
export const Direction = z.enum(['IN', 'OUT']);
export type Direction = z.infer<typeof Direction>;

export const ZoneEvent = z.object({
  v: z.literal(1),
  id: DeterministicId,
  site: Identifier,
  epc: EpcHex,
  kind: ZoneEventKind,
  fromZone: Identifier.optional(),
  toZone: Identifier.optional(),
  direction: Direction.optional(),
  /** Event time: reader clock of the evidence that decided the event. */
  atUs: EpochMicros,
  confidence: Confidence,
  /** Ids of the observations that decided the event. */
  evidence: z.array(DeterministicId).max(64),
});
export type ZoneEvent = z.infer<typeof ZoneEvent>;
