import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { EpcHex, Identifier, parseWith } from '../schemas/index.js';
import { ConfigError, describeError } from '../runtime/errors.js';

/**
 * The site's plan for a run: which truck brings which pallets when, and the incidents that should
 * make the pipeline raise alerts. Offsets are seconds after the start of the run at the demo time
 * scale. A seed format for the simulator, not a message contract.
 */
export const Arrival = z.object({
  truckId: z.string().min(1).max(64),
  atOffsetSec: z.number().min(0),
  /** Pallets on the truck; they pass the entry portal together and unload at one dock. */
  epcs: z.array(EpcHex).min(1),
});
export type Arrival = z.infer<typeof Arrival>;

/**
 * - EXIT_WITHOUT_RELEASE: at the offset the pallet is taken towards the exit though customs has not
 *   released it (expect UNRELEASED_EXIT, and UNAUTHORIZED_ZONE in staging).
 * - HELD_PALLET_MOVED: at the offset a HELD pallet is moved out of inspection back into storage
 *   (expect UNAUTHORIZED_ZONE).
 * - LEFT_IN_STAGING: the pallet waits in staging until the offset (expect DWELL_EXCEEDED).
 * - TAG_SILENCED: from the offset the tag no longer answers (damaged or shielded; expect MISSING).
 */
export const IncidentKind = z.enum([
  'EXIT_WITHOUT_RELEASE',
  'HELD_PALLET_MOVED',
  'LEFT_IN_STAGING',
  'TAG_SILENCED',
]);
export type IncidentKind = z.infer<typeof IncidentKind>;

export const Incident = z.object({
  kind: IncidentKind,
  epc: EpcHex,
  atOffsetSec: z.number().min(0),
  note: z.string().max(500).optional(),
});
export type Incident = z.infer<typeof Incident>;

export const ScheduleSeed = z.object({
  v: z.literal(1),
  site: Identifier,
  arrivals: z.array(Arrival),
  incidents: z.array(Incident).default([]),
});
export type ScheduleSeed = z.infer<typeof ScheduleSeed>;

export const DEMO_SCHEDULE_FILE = fileURLToPath(new URL('../seeds/demo-schedule.json', import.meta.url));

export async function loadScheduleSeed(path: string): Promise<ScheduleSeed> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read schedule seed ${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    return parseWith(ScheduleSeed, `schedule seed ${path}`, raw);
  } catch (err) {
    throw new ConfigError(describeError(err), { cause: err });
  }
}
