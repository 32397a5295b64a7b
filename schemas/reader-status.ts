import { z } from 'zod';
import { EpochMicros, Identifier } from './primitives.js';

export const ReaderState = z.enum(['online', 'offline', 'degraded']);
export type ReaderState = z.infer<typeof ReaderState>;

/** Retained on `…/readers/{readerId}/status`; the adapter's MQTT last will publishes `offline`. */
export const ReaderStatus = z.object({
  v: z.literal(1),
  site: Identifier,
  readerId: Identifier,
  state: ReaderState,
  /** Absent in a last-will message, which is fixed when the connection opens. */
  atUs: EpochMicros.optional(),
  detail: z.string().max(500).optional(),
  /**
   * Reads per second per antenna port (keys are port numbers) over the adapter's last health
   * interval. Every port the reader has used appears, so a silent antenna shows 0. Set only by
   * adapters with a health interval (issue 4); absent otherwise.
   */
  antennaReadsPerSec: z.record(z.string().regex(/^\d+$/), z.number().min(0)).optional(),
  /**
   * Jumps in the reader's own event counter (Zebra `eventNum`) since the adapter started, and the
   * events they lost before reaching the adapter. Set only by adapters of formats with a counter,
   * once a jump was seen (issue 4); absent otherwise.
   */
  sequenceGaps: z.int().min(0).optional(),
  missingEvents: z.int().min(0).optional(),
});
export type ReaderStatus = z.infer<typeof ReaderStatus>;
