import { z } from 'zod';
import { DeterministicId, EpcHex, EpochMicros, Identifier, RssiDbm } from './primitives.js';

/**
 * The repeated reads of one tag at one antenna over one event-time window, summarised by dedup.
 * `id` is derived from (readerId, antenna, epc, window start), so a replay yields the same id.
 *
 * `kind` says which of dedup's observations this is (its id says the same, at the cost of a hash):
 * - `window`: a closed window's summary, the observation proper;
 * - `first`: the window's first read, emitted at once for low latency; its summary follows and
 *   includes it (the sink stores summaries only, so reads are counted once);
 * - `late`: a read after its window closed, an observation of its own.
 */
export const ObservationKind = z.enum(['window', 'first', 'late']);
export type ObservationKind = z.infer<typeof ObservationKind>;

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
    /** Absent in records from before 2026-11-27: readers then tell the kinds apart by the id. */
    kind: ObservationKind.optional(),
  })
  .refine((o) => o.lastSeenUs >= o.firstSeenUs, {
    error: 'must not be before firstSeenUs',
    path: ['lastSeenUs'],
  });
export type Observation = z.infer<typeof Observation>;
