import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CustomsState, EpcHex, Identifier, Sscc, parseWith, type CustomsStatus } from '../schemas/index.js';
import { ConfigError, describeError } from '../runtime/errors.js';

/**
 * Customs declarations as a seed file: `CustomsStatus` records whose time is an offset from the
 * start of a run (`atOffsetSec`), because every run starts at a different wall time. The simulator
 * turns them into absolute `CustomsStatus` records (see `toCustomsStatuses`) and into truth.
 * This is a seed format, not a message contract, so it lives here and not in schemas/.
 */
export const CustomsSeedEntry = z.object({
  epc: EpcHex,
  sscc: Sscc.optional(),
  declarationId: z.string().min(1).max(64),
  status: CustomsState,
  /** Seconds after the start of the run, at the demo time scale (profiles may compress it). */
  atOffsetSec: z.number().min(0),
  note: z.string().max(500).optional(),
});
export type CustomsSeedEntry = z.infer<typeof CustomsSeedEntry>;

export const CustomsSeed = z.object({
  v: z.literal(1),
  site: Identifier,
  statuses: z.array(CustomsSeedEntry),
});
export type CustomsSeed = z.infer<typeof CustomsSeed>;

export const DEMO_CUSTOMS_FILE = fileURLToPath(new URL('../seeds/demo-customs.json', import.meta.url));

export async function loadCustomsSeed(path: string): Promise<CustomsSeed> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read customs seed ${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    return parseWith(CustomsSeed, `customs seed ${path}`, raw);
  } catch (err) {
    throw new ConfigError(describeError(err), { cause: err });
  }
}

/** Seconds at the seed's scale to µs in a run that starts at `startUs`, aligned to whole ms. */
export function offsetToUs(offsetSec: number, startUs: number, timeScale: number): number {
  return startUs + Math.round(offsetSec * timeScale * 1000) * 1000;
}

/**
 * Absolute `CustomsStatus` records for a run, in time order (ties keep file order). `site` is the
 * run's site id; `epcs`, when given, keeps only those pallets (a run over part of the manifest);
 * `ssccByEpc` fills in the SSCC where the seed leaves it out.
 */
export function toCustomsStatuses(
  seed: CustomsSeed,
  options: {
    site: string;
    startUs: number;
    timeScale: number;
    epcs?: ReadonlySet<string>;
    ssccByEpc?: ReadonlyMap<string, string>;
  },
): CustomsStatus[] {
  const out: CustomsStatus[] = [];
  for (const entry of seed.statuses) {
    if (options.epcs && !options.epcs.has(entry.epc)) continue;
    const status: CustomsStatus = {
      v: 1,
      site: options.site,
      epc: entry.epc,
      declarationId: entry.declarationId,
      status: entry.status,
      atUs: offsetToUs(entry.atOffsetSec, options.startUs, options.timeScale),
    };
    const sscc = entry.sscc ?? options.ssccByEpc?.get(entry.epc);
    if (sscc !== undefined) status.sscc = sscc;
    if (entry.note !== undefined) status.note = entry.note;
    out.push(status);
  }
  return out.sort((a, b) => a.atUs - b.atUs);
}
