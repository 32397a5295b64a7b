import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CustomsState, Direction, EpcHex, EpochMicros, Identifier } from '../schemas/index.js';

/**
 * What really happened in a simulated run, to check the pipeline against. Physical moves
 * (ZONE_ENTERED/ZONE_LEFT, GATE_CROSSED), the customs decisions the run fed in (CUSTOMS_CHANGED),
 * tags that stopped answering (TAG_SILENCED), forklift loads (FORKLIFT_MOVED), and what the readers
 * got wrong: clock skew (READER_CLOCK_SKEW) and outages (READER_DOWN/READER_UP). A pallet that
 * leaves through the exit gate ends with ZONE_LEFT of that gate and no further ZONE_ENTERED: it is
 * outside the site.
 */
export const TruthEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ZONE_ENTERED'), epc: EpcHex, zone: Identifier, atUs: EpochMicros }),
  z.object({ kind: z.literal('ZONE_LEFT'), epc: EpcHex, zone: Identifier, atUs: EpochMicros }),
  z.object({
    kind: z.literal('GATE_CROSSED'),
    epc: EpcHex,
    gate: Identifier,
    direction: Direction,
    atUs: EpochMicros,
  }),
  z.object({
    kind: z.literal('CUSTOMS_CHANGED'),
    epc: EpcHex,
    declarationId: z.string().min(1).max(64),
    status: CustomsState,
    atUs: EpochMicros,
  }),
  z.object({ kind: z.literal('TAG_SILENCED'), epc: EpcHex, atUs: EpochMicros }),
  /** Pallets carried together by one forklift: each also gets its own ZONE_LEFT/ZONE_ENTERED at atUs. */
  z.object({
    kind: z.literal('FORKLIFT_MOVED'),
    loadId: z.string().min(1).max(64),
    epcs: z.array(EpcHex).min(2),
    fromZone: Identifier,
    toZone: Identifier,
    atUs: EpochMicros,
  }),
  /** From the start of the run, every read of the reader carries seenAtUs = true time + offsetUs. */
  z.object({
    kind: z.literal('READER_CLOCK_SKEW'),
    readerId: Identifier,
    offsetUs: z.number().int(),
    atUs: EpochMicros,
  }),
  /** The reader stops reading (outage), until its READER_UP. */
  z.object({ kind: z.literal('READER_DOWN'), readerId: Identifier, atUs: EpochMicros }),
  z.object({ kind: z.literal('READER_UP'), readerId: Identifier, atUs: EpochMicros }),
]);
export type TruthEvent = z.infer<typeof TruthEvent>;

/**
 * Records truth as the simulation reaches it: in memory, and appended to a JSONL file when a path
 * is given. Writes are synchronous so that the file is complete the moment `advance` returns (a
 * test or a crashed demo can read it at any time); truth is a few events per pallet, so cheap.
 */
export class TruthLog {
  private readonly recorded: TruthEvent[] = [];
  private readonly where = new Map<string, Set<string>>();
  private fd: number | undefined;

  constructor(options: { path?: string } = {}) {
    if (options.path !== undefined) this.fd = openSync(options.path, 'w');
  }

  get events(): readonly TruthEvent[] {
    return this.recorded;
  }

  record(event: TruthEvent): void {
    this.recorded.push(event);
    if (event.kind === 'ZONE_ENTERED') {
      if (!this.where.has(event.zone)) this.where.set(event.zone, new Set());
      this.where.get(event.zone)!.add(event.epc);
    } else if (event.kind === 'ZONE_LEFT') {
      this.where.get(event.zone)?.delete(event.epc);
    }
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }

  /** EPCs in `zone` now, in the order they entered. */
  palletsIn(zone: string): string[] {
    return [...(this.where.get(zone) ?? [])];
  }

  /** Every zone with at least one pallet, with its EPCs. */
  occupancy(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [zone, epcs] of this.where) if (epcs.size > 0) out[zone] = [...epcs];
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Read a truth JSONL file back (for tests and for checking a demo run afterwards). */
export async function readTruthFile(path: string): Promise<TruthEvent[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => TruthEvent.parse(JSON.parse(line)));
}
