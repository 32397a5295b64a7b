import { z } from 'zod';
import { EpcHex, EpochMicros, RssiDbm } from './primitives.js';

/** One tag as a reader reported it, normalised. Reader-clock time; `count` reads folded into it. */
export const TagRead = z.object({
  epc: EpcHex,
  /** 1-based antenna port, as LLRP numbers them. */
  antenna: z.int().min(1).max(65535),
  rssiDbm: RssiDbm.optional(),
  /** Reader clock, µs since the Unix epoch, UTC. */
  seenAtUs: EpochMicros,
  /** Reads of this tag folded into this record by the reader or adapter (≥ 1). */
  count: z.int().min(1).max(1_000_000).default(1),
  phaseDeg: z.number().min(0).max(360).optional(),
  frequencyKhz: z.int().min(100_000).max(3_000_000).optional(),
  tid: z
    .string()
    .regex(/^[0-9A-F]+$/, { error: 'must be upper-case hex' })
    .max(256)
    .optional(),
});
export type TagRead = z.infer<typeof TagRead>;
