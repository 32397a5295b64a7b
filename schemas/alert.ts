import { z } from 'zod';
import { DeterministicId, EpcHex, EpochMicros, Identifier } from './primitives.js';

export const AlertKind = z.enum([
  'UNRELEASED_EXIT',
  'DWELL_EXCEEDED',
  'UNAUTHORIZED_ZONE',
  'MISSING',
  'UNKNOWN_TAG',
  'READER_DOWN',
  /** ReadBatches of a reader lost before the bridge (a hole in `seq`); raised by the bridge. */
  'READER_GAP',
]);
export type AlertKind = z.infer<typeof AlertKind>;

export const AlertSeverity = z.enum(['INFO', 'WARNING', 'CRITICAL']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const Alert = z.object({
  v: z.literal(1),
  id: DeterministicId,
  site: Identifier,
  kind: AlertKind,
  severity: AlertSeverity,
  epc: EpcHex.optional(),
  zone: Identifier.optional(),
  readerId: Identifier.optional(),
  atUs: EpochMicros,
  /** Free-form facts behind the alert (declaration id, dwell seconds, …), shown to operators. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
});
export type Alert = z.infer<typeof Alert>;
