import { z } from 'zod';
import { EpcHex, EpochMicros, Identifier } from './primitives.js';

export const CustomsState = z.enum(['DECLARED', 'INSPECTION_REQUIRED', 'HELD', 'RELEASED']);
export type CustomsState = z.infer<typeof CustomsState>;

/** An 18-digit Serial Shipping Container Code (GS1 AI 00). */
export const Sscc = z.string().regex(/^\d{18}$/, { error: 'must be 18 digits' });

/** A change of a pallet's customs status, keyed by EPC (or SSCC, resolved through the manifest). */
export const CustomsStatus = z
  .object({
    v: z.literal(1),
    site: Identifier,
    epc: EpcHex.optional(),
    sscc: Sscc.optional(),
    declarationId: z.string().min(1).max(64),
    status: CustomsState,
    atUs: EpochMicros,
    note: z.string().max(500).optional(),
  })
  .refine((c) => c.epc !== undefined || c.sscc !== undefined, {
    error: 'needs an epc or an sscc',
    path: ['epc'],
  });
export type CustomsStatus = z.infer<typeof CustomsStatus>;
