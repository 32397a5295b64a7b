import { z } from 'zod';
import { EpochMicros, Identifier } from './primitives.js';

/**
 * Bad input, kept with its reason. `stage` is where it was refused (adapter:serial, bridge, dedup, …),
 * `code` a stable error code, `payload` the input as received (utf8, or base64 for bytes).
 */
export const DeadLetter = z.object({
  v: z.literal(1),
  stage: z.string().min(1).max(64),
  code: z.string().min(1).max(64),
  reason: z.string().min(1).max(2000),
  site: Identifier.optional(),
  readerId: Identifier.optional(),
  payload: z.string().max(1_048_576),
  payloadEncoding: z.enum(['utf8', 'base64']),
  atUs: EpochMicros,
});
export type DeadLetter = z.infer<typeof DeadLetter>;
