import { z } from 'zod';
import { Sscc } from './customs-status.js';
import { EpcHex, EpochMicros, Identifier } from './primitives.js';

/** A pallet the site expects: its tag, its SSCC and the declaration that covers it. */
export const ManifestEntry = z.object({
  epc: EpcHex,
  sscc: Sscc,
  /** Absent for pallets that were never declared to customs. */
  declarationId: z.string().min(1).max(64).optional(),
  description: z.string().max(200),
  consignee: z.string().max(200),
  /** When the pallet is due at the site's entry gate. */
  expectedAtUs: EpochMicros.optional(),
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const Manifest = z.object({
  v: z.literal(1),
  site: Identifier,
  pallets: z.array(ManifestEntry).min(1),
});
export type Manifest = z.infer<typeof Manifest>;
