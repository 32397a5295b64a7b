import { z } from 'zod';
import { EpochMicros, Identifier } from './primitives.js';
import { TagRead } from './tag-read.js';

/** Adapter kinds that produce reads. An integrator's adapter may add its own lower-case name. */
export const ReadSource = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, {
  error: 'must be a lower-case adapter name such as serial, llrp, impinj-iot',
});

/**
 * The unit an adapter publishes to MQTT (QoS 1). `batchId` is stable across retries
 * (`{readerId}:{bootId}:{seq}`), so the bridge can drop a replay it has already forwarded.
 */
export const ReadBatch = z.object({
  v: z.literal(1),
  site: Identifier,
  readerId: Identifier,
  source: ReadSource,
  batchId: z.string().min(1).max(200),
  /** Per reader boot, increasing by one per batch: a gap means batches were lost. */
  seq: z.int().min(0),
  /** Adapter clock when the batch was formed, µs since the Unix epoch. */
  sentAtUs: EpochMicros,
  reads: z.array(TagRead).max(10_000),
});
export type ReadBatch = z.infer<typeof ReadBatch>;
