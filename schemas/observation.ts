import { z } from 'zod';
import { DeterministicId, EpcHex, EpochMicros, Identifier, RssiDbm } from './primitives.js';

/**
 * The repeated reads of one tag at one antenna over one event-time window, summarised by dedup.
 * `id` is derived from (readerId, antenna, epc, window start), so a replay yields the same id.
 */
export const Observation = z
  .object({
    v: z.literal(1),
    id: DeterministicId,
    site: Identifier,
    epc: EpcHex,
    readerId: Identifier,
    antenna: z.int().min(1).max(65535),
    /** Zone of the antenna in the site layout, when it has one. */
    zone: Identifier.optional(),
    firstSeenUs: EpochMicros,
    lastSeenUs: EpochMicros,
    count: z.int().min(1),
    maxRssiDbm: RssiDbm.optional(),
    meanRssiDbm: RssiDbm.optional(),
  })
  .refine((o) => o.lastSeenUs >= o.firstSeenUs, {
    error: 'must not be before firstSeenUs',
    path: ['lastSeenUs'],
  });
export type Observation = z.infer<typeof Observation>;
