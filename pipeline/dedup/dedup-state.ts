import type { ReaderWindows, Window } from './dedup-operator.js';

/**
 * The changelog entries of the dedup stage (`{prefix}.dedup-state.v1`, compacted, partition = the
 * raw-reads partition):
 *
 * - key reader id → `{"v":1, …}`: the reader's open windows, event-time watermark, first-read
 *   memory and clock estimate (everything its next observations depend on);
 * - key `DEDUP_META_KEY` → `{"v":1,"nextOffset":N}`: input offsets below N are in the state.
 *
 * Processing-time activity is not kept: a restored reader counts as active from its restore, so an
 * idle flush does not close the windows its replayed tail is still to fill. Plain JSON in a fixed
 * key order, so the same state always serialises to the same bytes.
 */
export const DEDUP_META_KEY = '~partition';

const VERSION = 1;

interface ReaderEntry {
  v: number;
  site: string;
  maxEventUs: number;
  /** [window start, [[antenna\0EPC, window], …]] in start order. */
  windows: Array<[number, Array<[string, Window]>]>;
  lastSeen?: Array<[string, number]>;
  clock?: { samplesUs: number[]; correctionUs: number };
}

export function encodeReader(reader: ReaderWindows): string {
  const entry: ReaderEntry = {
    v: VERSION,
    site: reader.site,
    maxEventUs: reader.maxEventUs,
    windows: [...reader.windows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([start, windows]) => [start, [...windows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))]),
  };
  if (reader.lastSeen) entry.lastSeen = [...reader.lastSeen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (reader.clock)
    entry.clock = { samplesUs: reader.clock.samplesUs, correctionUs: reader.clock.correctionUs };
  return JSON.stringify(entry);
}

/** The reader's state as of its entry; activity set to `nowUs` (see above). */
export function decodeReader(text: string, partition: number, nowUs: number): ReaderWindows {
  const raw = JSON.parse(text) as Partial<ReaderEntry>;
  if (raw.v !== VERSION)
    throw new Error(`dedup state entry has version ${String(raw.v)}, expected ${VERSION}`);
  if (typeof raw.site !== 'string' || typeof raw.maxEventUs !== 'number' || !Array.isArray(raw.windows))
    throw new Error('dedup state entry is malformed');
  const reader: ReaderWindows = {
    site: raw.site,
    partition,
    maxEventUs: raw.maxEventUs,
    lastActivityUs: nowUs,
    windows: new Map(raw.windows.map(([start, list]) => [start, new Map(list)])),
  };
  if (raw.lastSeen) reader.lastSeen = new Map(raw.lastSeen);
  if (raw.clock) reader.clock = { samplesUs: [...raw.clock.samplesUs], correctionUs: raw.clock.correctionUs };
  return reader;
}

export function encodeDedupMeta(nextOffset: number): string {
  return JSON.stringify({ v: VERSION, nextOffset });
}

export function decodeDedupMeta(text: string): number {
  const raw = JSON.parse(text) as { v?: unknown; nextOffset?: unknown };
  if (raw.v !== VERSION || typeof raw.nextOffset !== 'number')
    throw new Error('dedup partition meta is malformed');
  return raw.nextOffset;
}
