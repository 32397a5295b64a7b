import type { ReaderClockState } from './reader-clock.js';
import type { ReaderWindows, Window } from './dedup-operator.js';

/**
 * The changelog entries of the dedup stage (`{prefix}.dedup-state.v1`, compacted, partition = the
 * raw-reads partition), format `v: 2`. Keys (reader ids are `[A-Za-z0-9._-]`, so `/` and `~` are
 * free to use):
 *
 * - `{reader}` → `{"v":2,"site","maxEventUs","clock"?,"lastSeen"?}`: the reader's header, written
 *   whenever the reader took part in a segment (a few hundred bytes);
 * - `{reader}/w/{window start}/{n}` → `{"v":2,"w":[[antenna,epc,first,last,count,maxRssi|null,
 *   rssiSum,rssiWeight,minOffset],…]}`: the windows of that start changed by the n-th write that
 *   changed any (a delta; later n overwrite earlier per antenna×EPC). Bounded by the reads of the
 *   segment, not by the reader's state. All n of a start are tombstoned when the start is flushed;
 * - `{reader}/l/{bucket}` → `{"v":2,"l":[[antenna\0EPC, lastSeenUs],…]}`: first-read memory
 *   (`firstReadGapUs` > 0), split over `LAST_SEEN_BUCKETS` hash buckets; a changed bucket is
 *   rewritten whole, an emptied one tombstoned;
 * - `DEDUP_META_KEY` → `{"v":2,"nextOffset":N}`: input offsets below N are in the state.
 *
 * Format 1 (one `{reader}` entry with the whole state, which outgrew the broker's 1 MB record limit
 * for readers with many tags) is still read: such a reader is restored whole and rewritten in format
 * 2 on its first write; a format-2 header of the same key then supersedes it (compaction drops the
 * old entry). Processing-time activity is not kept: a restored reader counts as active from its
 * restore, so an idle flush does not close the windows its replayed tail is still to fill. Plain
 * JSON in a fixed order, so the same state always serialises to the same bytes.
 */
export const DEDUP_META_KEY = '~partition';

const VERSION = 2;
const LEGACY_VERSION = 1;

/**
 * Buckets of a reader's first-read memory. A batch of 200 reads of distinct tags touches ~180 of
 * 1,024 buckets, so ~18% of a large memory is rewritten per batch instead of all of it (format 1),
 * and a small one (≤ ~1,000 entries) costs about one bucket per read. Part of the format: changing it
 * needs a new version.
 */
export const LAST_SEEN_BUCKETS = 1024;

/** What a changelog key names. */
export type StateKey =
  | { kind: 'meta' }
  | { kind: 'reader'; readerId: string }
  | { kind: 'windows'; readerId: string; startUs: number; seq: number }
  | { kind: 'lastSeen'; readerId: string; bucket: number };

export function windowsKey(readerId: string, startUs: number, seq: number): string {
  return `${readerId}/w/${startUs}/${seq}`;
}

export function lastSeenKey(readerId: string, bucket: number): string {
  return `${readerId}/l/${bucket}`;
}

/** The key's meaning, or undefined for a key this format does not know. */
export function parseStateKey(key: string): StateKey | undefined {
  if (key === DEDUP_META_KEY) return { kind: 'meta' };
  const parts = key.split('/');
  const readerId = parts[0]!;
  if (readerId === '') return undefined;
  if (parts.length === 1) return { kind: 'reader', readerId };
  if (parts.length === 4 && parts[1] === 'w') {
    const startUs = Number(parts[2]);
    const seq = Number(parts[3]);
    if (Number.isSafeInteger(startUs) && Number.isSafeInteger(seq) && seq >= 0)
      return { kind: 'windows', readerId, startUs, seq };
  }
  if (parts.length === 3 && parts[1] === 'l') {
    const bucket = Number(parts[2]);
    if (Number.isInteger(bucket) && bucket >= 0 && bucket < LAST_SEEN_BUCKETS)
      return { kind: 'lastSeen', readerId, bucket };
  }
  return undefined;
}

/** FNV-1a over the key's UTF-16 units: stable across processes and versions of Node. */
export function lastSeenBucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % LAST_SEEN_BUCKETS;
}

/** A reader's header: everything but its windows and first-read memory. */
export interface ReaderHeader {
  site: string;
  maxEventUs: number;
  clock?: ReaderClockState;
  /** The reader has a first-read memory (possibly empty). */
  lastSeen: boolean;
}

export function encodeReaderHeader(reader: ReaderWindows): string {
  const entry: { v: number; site: string; maxEventUs: number; clock?: ReaderClockState; lastSeen?: true } = {
    v: VERSION,
    site: reader.site,
    maxEventUs: reader.maxEventUs,
  };
  if (reader.clock)
    entry.clock = { samplesUs: reader.clock.samplesUs, correctionUs: reader.clock.correctionUs };
  if (reader.lastSeen) entry.lastSeen = true;
  return JSON.stringify(entry);
}

/** A `{reader}` entry: a format-2 header, or a whole format-1 reader (activity set to `nowUs`). */
export type DecodedReaderEntry = { v: 2; header: ReaderHeader } | { v: 1; reader: ReaderWindows };

export function decodeReaderEntry(text: string, partition: number, nowUs: number): DecodedReaderEntry {
  const raw = JSON.parse(text) as {
    v?: unknown;
    site?: unknown;
    maxEventUs?: unknown;
    clock?: unknown;
    lastSeen?: unknown;
  };
  if (raw.v === LEGACY_VERSION) return { v: 1, reader: decodeLegacyReader(text, partition, nowUs) };
  if (raw.v !== VERSION)
    throw new Error(
      `dedup state entry has version ${String(raw.v)}, expected ${VERSION} (or ${LEGACY_VERSION})`,
    );
  if (typeof raw.site !== 'string' || typeof raw.maxEventUs !== 'number')
    throw new Error('dedup reader header is malformed');
  const header: ReaderHeader = {
    site: raw.site,
    maxEventUs: raw.maxEventUs,
    lastSeen: raw.lastSeen === true,
  };
  if (raw.clock !== undefined) header.clock = decodeClock(raw.clock);
  return { v: 2, header };
}

function decodeClock(raw: unknown): ReaderClockState {
  const c = raw as { samplesUs?: unknown; correctionUs?: unknown };
  if (
    !Array.isArray(c.samplesUs) ||
    !c.samplesUs.every((s) => typeof s === 'number') ||
    typeof c.correctionUs !== 'number'
  )
    throw new Error('dedup reader clock is malformed');
  return { samplesUs: [...c.samplesUs], correctionUs: c.correctionUs };
}

type WindowTuple = [number, string, number, number, number, number | null, number, number, number];

/** Windows of one start (all with `startUs` = that start), in key order. */
export function encodeWindows(windows: readonly Window[]): string {
  const w: WindowTuple[] = windows.map((x) => [
    x.antenna,
    x.epc,
    x.firstSeenUs,
    x.lastSeenUs,
    x.count,
    x.maxRssiDbm ?? null,
    x.rssiSum,
    x.rssiWeight,
    x.minOffset,
  ]);
  return JSON.stringify({ v: VERSION, w });
}

/** The windows of a delta, keyed as the operator keys them (antenna\0EPC). */
export function decodeWindows(text: string, startUs: number): Array<[string, Window]> {
  const raw = JSON.parse(text) as { v?: unknown; w?: unknown };
  if (raw.v !== VERSION || !Array.isArray(raw.w)) throw new Error('dedup windows entry is malformed');
  return (raw.w as unknown[]).map((t) => {
    if (!Array.isArray(t) || t.length !== 9) throw new Error('dedup window is malformed');
    const [antenna, epc, firstSeenUs, lastSeenUs, count, maxRssiDbm, rssiSum, rssiWeight, minOffset] =
      t as WindowTuple;
    if (
      typeof epc !== 'string' ||
      ![antenna, firstSeenUs, lastSeenUs, count, rssiSum, rssiWeight, minOffset].every(
        (n) => typeof n === 'number',
      ) ||
      (maxRssiDbm !== null && typeof maxRssiDbm !== 'number')
    )
      throw new Error('dedup window is malformed');
    const w: Window = {
      epc,
      antenna,
      startUs,
      firstSeenUs,
      lastSeenUs,
      count,
      maxRssiDbm: maxRssiDbm ?? undefined,
      rssiSum,
      rssiWeight,
      minOffset,
    };
    return [`${antenna}\u0000${epc}`, w];
  });
}

export function encodeLastSeen(entries: ReadonlyArray<[string, number]>): string {
  return JSON.stringify({ v: VERSION, l: entries });
}

export function decodeLastSeen(text: string): Array<[string, number]> {
  const raw = JSON.parse(text) as { v?: unknown; l?: unknown };
  if (
    raw.v !== VERSION ||
    !Array.isArray(raw.l) ||
    !(raw.l as unknown[]).every(
      (e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number',
    )
  )
    throw new Error('dedup first-read bucket is malformed');
  return raw.l as Array<[string, number]>;
}

export function encodeDedupMeta(nextOffset: number): string {
  return JSON.stringify({ v: VERSION, nextOffset });
}

/** Both formats share the meta entry's shape. */
export function decodeDedupMeta(text: string): number {
  const raw = JSON.parse(text) as { v?: unknown; nextOffset?: unknown };
  if ((raw.v !== VERSION && raw.v !== LEGACY_VERSION) || typeof raw.nextOffset !== 'number')
    throw new Error('dedup partition meta is malformed');
  return raw.nextOffset;
}

interface LegacyReaderEntry {
  v: number;
  site: string;
  maxEventUs: number;
  windows: Array<[number, Array<[string, Window]>]>;
  lastSeen?: Array<[string, number]>;
  clock?: { samplesUs: number[]; correctionUs: number };
}

/** A format-1 entry: the reader's whole state. */
function decodeLegacyReader(text: string, partition: number, nowUs: number): ReaderWindows {
  const raw = JSON.parse(text) as Partial<LegacyReaderEntry>;
  if (typeof raw.site !== 'string' || typeof raw.maxEventUs !== 'number' || !Array.isArray(raw.windows))
    throw new Error('dedup state entry (format 1) is malformed');
  const reader: ReaderWindows = {
    site: raw.site,
    partition,
    maxEventUs: raw.maxEventUs,
    lastActivityUs: nowUs,
    windows: new Map(raw.windows.map(([start, list]) => [start, new Map(list)])),
  };
  if (raw.lastSeen) reader.lastSeen = new Map(raw.lastSeen);
  if (raw.clock) reader.clock = decodeClock(raw.clock);
  return reader;
}
