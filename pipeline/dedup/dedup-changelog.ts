import type { OutputRecord } from '../runtime/stage.js';
import type { ReaderWindows, Window } from './dedup-operator.js';
import {
  DEDUP_META_KEY,
  LAST_SEEN_BUCKETS,
  decodeDedupMeta,
  decodeLastSeen,
  decodeReaderEntry,
  decodeWindows,
  encodeDedupMeta,
  encodeLastSeen,
  encodeReaderHeader,
  encodeWindows,
  lastSeenBucket,
  lastSeenKey,
  parseStateKey,
  windowsKey,
  type ReaderHeader,
} from './dedup-state.js';

/**
 * Estimated changelog bytes of one (antenna, EPC) read since the last write: its window entry
 * (~100 B of JSON) at each open start of its reader (an upper bound: only changed windows are
 * written), plus its first-read bucket. So a segment comes out at most `SEGMENT_BYTES` plus what the
 * last input record added (see DedupStage).
 */
const WINDOW_ENTRY_BYTES = 110;
const LAST_SEEN_ENTRY_BYTES = 50;

/** What was last written of one reader: enough to write only what changed since. */
interface Written {
  /** Per open window start: the window map written from (a new map = the start was flushed and reopened) and the next delta number. */
  starts: Map<number, { windows: Map<string, Window>; next: number }>;
  /** First-read memory keys per bucket as last written. */
  buckets: Map<number, Set<string>>;
  bucketed: number;
  /** Not known to match the changelog (restored from format 1): write everything next time. */
  full: boolean;
}

/** A partition's state as read back from its changelog. */
export interface RestoredPartition {
  readers: Map<string, ReaderWindows>;
  nextOffset: number;
  /** Entries that could not be read, with why (skipped). */
  bad: Array<{ key: string; reason: string }>;
}

/**
 * The dedup changelog's bookkeeping (format in dedup-state.ts): which (reader, antenna×EPC) the
 * reads since the last write touched, what was written of each reader, and the records that bring
 * the changelog up to the operator's state. Cost per write: the touched keys' windows and buckets,
 * not the readers' whole state.
 */
export class DedupChangelog {
  private readonly written = new Map<string, Written>();
  /**
   * Each window's `count` when it was last written. A fold adds a read's count (≥ 1, the schema's
   * minimum) to it, so an unchanged count is an unchanged window: a touched tag's window at another
   * open start is not rewritten (it was half of all entries written, bench profile).
   */
  private readonly writtenCount = new WeakMap<Window, number>();
  /** Reader → antenna\0EPC keys read since its last write. */
  private readonly dirty = new Map<string, Set<string>>();
  /** Per partition, estimated bytes its next write will produce. */
  private readonly pending = new Map<number, number>();

  constructor(private readonly topic: string) {}

  /**
   * The keys (`${antenna}\0${EPC}`) of the reader's reads since its last write: the set the operator
   * adds a batch's folded reads to (`DedupOperator.ingest`'s `touched`). Late and refused reads
   * change no window and are not in it.
   */
  dirtyKeys(readerId: string): Set<string> {
    let keys = this.dirty.get(readerId);
    if (!keys) this.dirty.set(readerId, (keys = new Set()));
    return keys;
  }

  /**
   * After a batch: `added` keys were new to `dirtyKeys` (a key read again before the next write costs
   * nothing more); `reader` is the reader's state now.
   */
  noteAdded(partition: number, reader: ReaderWindows | undefined, added: number): void {
    const starts = Math.max(1, reader?.windows.size ?? 0);
    const bucketBytes = reader?.lastSeen
      ? LAST_SEEN_ENTRY_BYTES * Math.ceil(reader.lastSeen.size / LAST_SEEN_BUCKETS)
      : 0;
    const bytes = added * (WINDOW_ENTRY_BYTES * starts + bucketBytes);
    this.pending.set(partition, this.pendingBytes(partition) + bytes);
  }

  pendingBytes(partition: number): number {
    return this.pending.get(partition) ?? 0;
  }

  /**
   * The records of one segment: each given reader's header, tombstones of its flushed window
   * starts, deltas of its changed windows and its changed first-read buckets; then the partition's
   * `nextOffset` (the segment's end). Readers not (or no longer) in `partition` are left out.
   */
  write(
    partition: number,
    readerIds: Iterable<string>,
    readerOf: (readerId: string) => ReaderWindows | undefined,
    nextOffset: number,
    out: OutputRecord[],
  ): void {
    const topic = this.topic;
    const put = (key: string, value: string) => out.push({ topic, key, value, partition });
    const drop = (key: string) => out.push({ topic, key, value: '', tombstone: true, partition });
    for (const readerId of [...readerIds].sort()) {
      const reader = readerOf(readerId);
      const keys = this.dirty.get(readerId) ?? new Set<string>();
      this.dirty.delete(readerId);
      if (reader?.partition !== partition) continue;
      let w = this.written.get(readerId);
      if (!w)
        this.written.set(readerId, (w = { starts: new Map(), buckets: new Map(), bucketed: 0, full: true }));
      put(readerId, encodeReaderHeader(reader));
      for (const [startUs, s] of w.starts) {
        if (reader.windows.get(startUs) === s.windows) continue;
        for (let n = 0; n < s.next; n++) drop(windowsKey(readerId, startUs, n));
        w.starts.delete(startUs);
      }
      for (const startUs of [...reader.windows.keys()].sort((a, b) => a - b)) {
        const windows = reader.windows.get(startUs)!;
        const s = w.starts.get(startUs);
        // A start not written before holds only windows opened since: all of them are changes.
        const changed = !s ? [...windows.entries()] : this.changedWindows(windows, keys);
        if (changed.length === 0) continue;
        for (const [, x] of changed) this.writtenCount.set(x, x.count);
        changed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const next = s?.next ?? 0;
        put(windowsKey(readerId, startUs, next), encodeWindows(changed.map(([, x]) => x)));
        w.starts.set(startUs, { windows, next: next + 1 });
      }
      this.writeLastSeen(readerId, reader, w, keys, put, drop);
      w.full = false;
    }
    put(DEDUP_META_KEY, encodeDedupMeta(nextOffset));
    out[out.length - 1]!.segmentEnd = true;
    this.pending.delete(partition);
  }

  private changedWindows(windows: Map<string, Window>, keys: ReadonlySet<string>): Array<[string, Window]> {
    const out: Array<[string, Window]> = [];
    const changed = (w: Window) => this.writtenCount.get(w) !== w.count;
    if (keys.size <= windows.size) {
      for (const key of keys) {
        const w = windows.get(key);
        if (w && changed(w)) out.push([key, w]);
      }
    } else {
      for (const e of windows) if (keys.has(e[0]) && changed(e[1])) out.push(e);
    }
    return out;
  }

  private writeLastSeen(
    readerId: string,
    reader: ReaderWindows,
    w: Written,
    keys: ReadonlySet<string>,
    put: (key: string, value: string) => void,
    drop: (key: string) => void,
  ): void {
    const lastSeen = reader.lastSeen ?? new Map<string, number>();
    const changed = new Set<number>();
    const add = (key: string) => {
      const b = lastSeenBucket(key);
      let set = w.buckets.get(b);
      if (!set) w.buckets.set(b, (set = new Set()));
      if (!set.has(key)) {
        set.add(key);
        w.bucketed++;
      }
      changed.add(b);
    };
    if (w.full) for (const key of lastSeen.keys()) add(key);
    else for (const key of keys) if (lastSeen.has(key)) add(key);
    // Every key in lastSeen is bucketed now; more bucketed than held means some were forgotten
    // (the operator forgets tags silent for the gap): find them. Only then is the memory scanned.
    if (w.bucketed > lastSeen.size) {
      for (const [b, set] of w.buckets) {
        for (const key of set) {
          if (lastSeen.has(key)) continue;
          set.delete(key);
          w.bucketed--;
          changed.add(b);
        }
      }
    }
    for (const b of [...changed].sort((x, y) => x - y)) {
      const set = w.buckets.get(b)!;
      if (set.size === 0) {
        w.buckets.delete(b);
        drop(lastSeenKey(readerId, b));
        continue;
      }
      const entries = [...set].sort().map((key): [string, number] => [key, lastSeen.get(key)!]);
      put(lastSeenKey(readerId, b), encodeLastSeen(entries));
    }
  }

  /** Forget what was written of readers the stage no longer holds (their partition moved). */
  forget(holds: (readerId: string) => boolean, partitions: Iterable<number> = []): void {
    for (const p of partitions) this.pending.delete(p);
    for (const readerId of [...this.written.keys()]) if (!holds(readerId)) this.written.delete(readerId);
    for (const readerId of [...this.dirty.keys()]) if (!holds(readerId)) this.dirty.delete(readerId);
  }

  /**
   * Rebuild a partition's readers from its changelog records (offset order, as compaction left
   * them) and remember them as written. Unreadable entries are skipped and reported.
   */
  restore(
    partition: number,
    records: ReadonlyArray<{ key: string; value: Buffer | null }>,
    nowUs: number,
  ): RestoredPartition {
    const parts = new Map<string, ReaderParts>();
    const partsOf = (readerId: string) => {
      let p = parts.get(readerId);
      if (!p) parts.set(readerId, (p = { deltas: new Map(), buckets: new Map() }));
      return p;
    };
    const bad: RestoredPartition['bad'] = [];
    let nextOffset = 0;
    for (const { key, value } of records) {
      try {
        const k = parseStateKey(key);
        if (!k) throw new Error('unknown key');
        const text = value?.toString('utf8');
        if (k.kind === 'meta') {
          if (text !== undefined) nextOffset = decodeDedupMeta(text);
        } else if (k.kind === 'reader') {
          const p = partsOf(k.readerId);
          if (text === undefined) {
            p.header = undefined;
            p.legacy = undefined;
            continue;
          }
          const entry = decodeReaderEntry(text, partition, nowUs);
          if (entry.v === 1) {
            p.legacy = entry.reader;
          } else {
            // A format-2 writer rewrote this reader whole on its first write: format 1 is superseded.
            p.legacy = undefined;
            p.header = entry.header;
          }
        } else if (k.kind === 'windows') {
          const deltas = partsOf(k.readerId).deltas;
          let byStart = deltas.get(k.startUs);
          if (!byStart) deltas.set(k.startUs, (byStart = new Map<number, Array<[string, Window]>>()));
          if (text === undefined) byStart.delete(k.seq);
          else byStart.set(k.seq, decodeWindows(text, k.startUs));
        } else {
          const buckets = partsOf(k.readerId).buckets;
          if (text === undefined) buckets.delete(k.bucket);
          else buckets.set(k.bucket, decodeLastSeen(text));
        }
      } catch (err) {
        bad.push({ key, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    const readers = new Map<string, ReaderWindows>();
    for (const [readerId, p] of parts) {
      const reader = p.legacy ?? (p.header ? fromParts(p.header, p, partition, nowUs) : undefined);
      if (!reader) continue;
      readers.set(readerId, reader);
      this.written.set(readerId, writtenOf(reader, p));
      if (!p.legacy)
        for (const windows of reader.windows.values())
          for (const w of windows.values()) this.writtenCount.set(w, w.count);
      this.dirty.delete(readerId);
    }
    return { readers, nextOffset, bad };
  }
}

interface ReaderParts {
  header?: ReaderHeader;
  legacy?: ReaderWindows;
  deltas: Map<number, Map<number, Array<[string, Window]>>>;
  buckets: Map<number, Array<[string, number]>>;
}

function fromParts(header: ReaderHeader, p: ReaderParts, partition: number, nowUs: number): ReaderWindows {
  const reader: ReaderWindows = {
    site: header.site,
    partition,
    maxEventUs: header.maxEventUs,
    lastActivityUs: nowUs,
    windows: new Map(),
  };
  for (const startUs of [...p.deltas.keys()].sort((a, b) => a - b)) {
    const byStart = p.deltas.get(startUs)!;
    if (byStart.size === 0) continue;
    const windows = new Map<string, Window>();
    for (const seq of [...byStart.keys()].sort((a, b) => a - b))
      for (const [key, w] of byStart.get(seq)!) windows.set(key, w);
    reader.windows.set(startUs, windows);
  }
  if (header.lastSeen) {
    reader.lastSeen = new Map();
    for (const entries of p.buckets.values()) for (const [key, us] of entries) reader.lastSeen.set(key, us);
  }
  if (header.clock) reader.clock = header.clock;
  return reader;
}

function writtenOf(reader: ReaderWindows, p: ReaderParts): Written {
  const w: Written = { starts: new Map(), buckets: new Map(), bucketed: 0, full: p.legacy !== undefined };
  if (w.full) return w;
  for (const [startUs, windows] of reader.windows) {
    const seqs = [...p.deltas.get(startUs)!.keys()];
    w.starts.set(startUs, { windows, next: Math.max(...seqs) + 1 });
  }
  for (const [b, entries] of p.buckets) {
    w.buckets.set(b, new Set(entries.map(([key]) => key)));
    w.bucketed += entries.length;
  }
  return w;
}
