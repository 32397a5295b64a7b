import type { Clock } from '../../runtime/clock.js';
import { deterministicId } from '../../runtime/ids.js';
import type { StateStore } from '../../runtime/state-store.js';
import type { Observation, ReadBatch, TagRead } from '../../schemas/index.js';
import type { SiteIndex } from '../site/site-index.js';
import { lateObservation, singleReadObservation, windowObservation } from './observations.js';
import {
  ReaderClockCheck,
  type ReaderClockOptions,
  type ReaderClockState,
  type RejectedRead,
} from './reader-clock.js';

/** Options of the dedup operator. */
export interface DedupOptions {
  /** Event-time tumbling window per (reader, antenna, EPC). Default 1 s. */
  windowUs?: number;
  /**
   * How far behind the newest read of a reader a read may arrive and still join its window. Default
   * 0.5 s: a reader's reads arrive in order (one batch stream per reader), and a later read is not
   * lost but emitted on its own (`late` id); measured: ~0.3 s less detection delay, same accuracy.
   */
  allowedLatenessUs?: number;
  /**
   * Processing time after which a silent input partition's open windows are closed anyway (all its
   * readers at once, in reader order), so the last reads before the input goes quiet are not held
   * forever. A silent reader in a partition that still has input is flushed after 3× this.
   * Default 5 s.
   */
  idleFlushUs?: number;
  /**
   * Emit a tag's first read at an antenna at once (as a one-read observation, id `first`), before
   * its window closes, when the antenna has not seen the tag for `firstReadGapUs`; later reads fold
   * into the window summary as usual. Default true.
   */
  emitFirstRead?: boolean;
  /**
   * Silence after which a tag's next read at an antenna counts as a first read again. 0 (the
   * default): the first read of every window is emitted at once, so locate can weigh each window as
   * soon as it opens rather than when the watermark closes it (docs/pipeline.md, "Detection delay").
   */
  firstReadGapUs?: number;
  /** Reader clock drift/jump detection against `ReadBatch.sentAtUs`; `false` turns it off. */
  readerClock?: ReaderClockOptions | false;
}

/** A read refused by dedup, with where it came from, for the dead-letter topic. */
export interface DedupRejection extends RejectedRead {
  site: string;
  readerId: string;
  from: InputPosition;
}

/** One open window of one (antenna, EPC) at one reader. */
export interface Window {
  epc: string;
  antenna: number;
  startUs: number;
  firstSeenUs: number;
  lastSeenUs: number;
  count: number;
  maxRssiDbm: number | undefined;
  rssiSum: number;
  rssiWeight: number;
  /** Lowest input offset folded into this window: offsets below it may be committed. */
  minOffset: number;
}

/** Per-reader state: its windows by start time, its event-time watermark, where its input comes from. */
export interface ReaderWindows {
  site: string;
  partition: number;
  maxEventUs: number;
  lastActivityUs: number;
  windows: Map<number, Map<string, Window>>;
  /** Last read time per (antenna, EPC) in view, to tell a first read (absent in older state). */
  lastSeen?: Map<string, number>;
  /** Reader clock offset estimate (absent in state written before the check existed). */
  clock?: ReaderClockState;
}

/** Where a batch came from: the Kafka partition and offset of the raw-reads record. */
export interface InputPosition {
  partition: number;
  offset: number;
}

export interface DedupCounters {
  readsIn: number;
  lateReads: number;
  observationsOut: number;
  /** Reads whose time was shifted because their reader's clock was off. */
  clockCorrectedReads: number;
  /** Reads refused because their reader's clock jumped (sent to the dead-letter topic). */
  clockRejectedReads: number;
}

/**
 * Collapses the repeated reads of one tag at one antenna into `Observation`s over event-time
 * tumbling windows. A window closes when the reader's watermark (its newest read time minus the
 * allowed lateness) passes the window's end. Window boundaries are aligned to the epoch, so the
 * observation id (reader, antenna, EPC, window start) is the same on every replay.
 */
export class DedupOperator {
  private readonly windowUs: number;
  private readonly latenessUs: number;
  /** Ids derived for first reads, kept for their windows' summaries (a SHA-256 less per window). */
  private readonly windowIds = new WeakMap<Window, string>();
  private readonly idleFlushUs: number;
  /** Processing time of the last batch per input partition (idle flushes). */
  private readonly partitionActivityUs = new Map<number, number>();
  private readonly clockCheck: ReaderClockCheck | undefined;
  private readonly emitFirstRead: boolean;
  private readonly firstReadGapUs: number;
  private rejected: DedupRejection[] = [];
  readonly counters: DedupCounters = {
    readsIn: 0,
    lateReads: 0,
    observationsOut: 0,
    clockCorrectedReads: 0,
    clockRejectedReads: 0,
  };

  constructor(
    private readonly site: SiteIndex | undefined,
    private readonly clock: Clock,
    private readonly store: StateStore<ReaderWindows>,
    options: DedupOptions = {},
  ) {
    this.windowUs = options.windowUs ?? 1_000_000;
    this.latenessUs = options.allowedLatenessUs ?? 500_000;
    this.idleFlushUs = options.idleFlushUs ?? 5_000_000;
    if (!(this.windowUs > 0)) throw new RangeError('windowUs must be > 0');
    if (!(this.latenessUs >= 0)) throw new RangeError('allowedLatenessUs must be >= 0');
    this.emitFirstRead = options.emitFirstRead ?? true;
    this.firstReadGapUs = options.firstReadGapUs ?? 0;
    this.clockCheck = options.readerClock === false ? undefined : new ReaderClockCheck(options.readerClock);
  }

  /** Open windows over every reader held (reader × antenna × EPC), the stage's state size. */
  get openWindowCount(): number {
    let n = 0;
    for (const [, reader] of this.store.entries())
      for (const windows of reader.windows.values()) n += windows.size;
    return n;
  }

  /** Reads refused since the last call (clock jumps), for the dead-letter topic. */
  drainRejected(): DedupRejection[] {
    const out = this.rejected;
    this.rejected = [];
    return out;
  }

  /**
   * Fold one batch in; return the observations whose windows closed as a result, in event-time
   * order. `touched`, when given, gets the window key (`${antenna}\0${EPC}`) of every read folded
   * in: what a changelog must write next (DedupChangelog), without building the keys again.
   */
  ingest(batch: ReadBatch, from: InputPosition, touched?: Set<string>): Observation[] {
    let reader = this.store.get(batch.readerId);
    if (!reader) {
      reader = {
        site: batch.site,
        partition: from.partition,
        maxEventUs: 0,
        lastActivityUs: 0,
        windows: new Map(),
      };
      this.store.set(batch.readerId, reader);
    }
    reader.partition = from.partition;
    reader.lastActivityUs = this.clock.nowUs();
    this.partitionActivityUs.set(from.partition, reader.lastActivityUs);
    const out: Observation[] = [];
    const closedBeforeUs = reader.maxEventUs - this.latenessUs;
    let reads: readonly TagRead[] = batch.reads;
    let correctionUs = 0;
    if (this.clockCheck) {
      reader.clock ??= { samplesUs: [], correctionUs: 0 };
      const checked = this.clockCheck.check(reader.clock, batch.reads, batch.sentAtUs);
      reads = checked.accepted;
      correctionUs = checked.correctionUs;
      this.counters.readsIn += checked.rejected.length;
      this.counters.clockRejectedReads += checked.rejected.length;
      for (const r of checked.rejected)
        this.rejected.push({ ...r, site: batch.site, readerId: batch.readerId, from });
    }
    for (const original of reads) {
      this.counters.readsIn++;
      let read = original;
      if (correctionUs !== 0) {
        read = { ...original, seenAtUs: original.seenAtUs + correctionUs };
        this.counters.clockCorrectedReads++;
      }
      const startUs = read.seenAtUs - (read.seenAtUs % this.windowUs);
      if (startUs + this.windowUs <= closedBeforeUs) {
        // Its window was already emitted: emit the late read on its own, under an id of its own,
        // rather than drop it (the sink keeps the first version of the window's id).
        this.counters.lateReads++;
        out.push(lateObservation(this.site, batch, read, from));
        continue;
      }
      // Built once per read: the first-read check and the fold look the window up by it.
      const key = `${read.antenna}\u0000${read.epc}`;
      touched?.add(key);
      const firstAfterGap =
        this.emitFirstRead && this.firstReadGapUs > 0 && this.isFirstReadAfterGap(reader, read, key);
      const opened = this.fold(reader, read, startUs, from.offset, key);
      if (this.emitFirstRead && (this.firstReadGapUs === 0 ? opened !== undefined : firstAfterGap)) {
        // Under its window's id: the summary that follows is the same observation, final. The sink
        // stores that one only, and the events whose evidence names this id find it stored.
        const id = deterministicId('obs', batch.readerId, read.antenna, read.epc, startUs);
        if (opened) this.windowIds.set(opened, id);
        out.push(singleReadObservation(this.site, batch, read, id, 'first'));
      }
      if (read.seenAtUs > reader.maxEventUs) reader.maxEventUs = read.seenAtUs;
    }
    this.close(batch.readerId, reader, reader.maxEventUs - this.latenessUs, out);
    this.counters.observationsOut += out.length;
    return out;
  }

  /**
   * Close the windows of readers that have been silent for `idleFlushUs` of processing time.
   * `fetchedUpToUs` (pipeline/runtime/fetch-progress.ts): the input is known fetched up to then, so
   * silence counts only up to it; while the broker is away nothing is flushed. Without it, silence is
   * processing time alone.
   */
  tick(fetchedUpToUs?: number): Observation[] {
    const now = this.clock.nowUs();
    const silentFor = (sinceUs: number, forUs: number): boolean =>
      now - sinceUs >= forUs && (fetchedUpToUs === undefined || fetchedUpToUs - sinceUs >= forUs);
    const out: Observation[] = [];
    // A whole partition at once and in reader order, not reader by reader as each falls idle nor in
    // the store's insertion order: how a flood's last batches fall into fetches and ticks, and the
    // order a worker that rebuilt its windows from a replay met the readers in, must not change
    // the order locate sees the flushed windows in.
    const readers = [...this.store.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [readerId, reader] of readers) {
      if (
        reader.windows.size > 0 &&
        (silentFor(this.partitionActivityUs.get(reader.partition) ?? 0, this.idleFlushUs) ||
          silentFor(reader.lastActivityUs, 3 * this.idleFlushUs))
      ) {
        const newestEndUs = Math.max(...reader.windows.keys()) + this.windowUs;
        this.close(readerId, reader, Number.POSITIVE_INFINITY, out);
        // The flushed windows are emitted: a read of theirs that comes after all (a partition the
        // consumer did not fetch for a while is not idle, only behind) is a late read with an id of
        // its own. Without this it re-opened the window under the emitted id, and the sink kept the
        // first version only: 96 of 31.5M reads went uncounted in a 5-minute run at 105k reads/s.
        reader.maxEventUs = Math.max(reader.maxEventUs, newestEndUs + this.latenessUs);
      }
    }
    this.counters.observationsOut += out.length;
    return out;
  }

  /** The lowest input offset of `partition` still held in an open window, or undefined if none. */
  retainedOffset(partition: number): number | undefined {
    let min: number | undefined;
    for (const [, reader] of this.store.entries()) {
      if (reader.partition !== partition) continue;
      for (const windows of reader.windows.values()) {
        for (const w of windows.values()) if (min === undefined || w.minOffset < min) min = w.minOffset;
      }
    }
    return min;
  }

  /** A reader's state (for a changelog), or undefined. */
  reader(readerId: string): ReaderWindows | undefined {
    return this.store.get(readerId);
  }

  /**
   * Put a restored reader's state in place (from a changelog). Its partition counts as active from
   * now: the records after the restored state are still to come.
   */
  restoreReader(readerId: string, reader: ReaderWindows): void {
    this.store.set(readerId, reader);
    this.partitionActivityUs.set(reader.partition, this.clock.nowUs());
  }

  /** Drop the state of readers whose input partitions moved to another worker. */
  forgetPartitions(partitions: ReadonlySet<number>): void {
    for (const [readerId, reader] of [...this.store.entries()]) {
      if (partitions.has(reader.partition)) this.store.delete(readerId);
    }
    for (const p of partitions) this.partitionActivityUs.delete(p);
  }

  /**
   * With `firstReadGapUs` > 0: true when the antenna has not seen the tag for that long; remembers
   * this read. (With 0, a read is a first read when it opens its window: `fold` tells.)
   */
  private isFirstReadAfterGap(reader: ReaderWindows, read: TagRead, key: string): boolean {
    reader.lastSeen ??= new Map();
    const last = reader.lastSeen.get(key);
    if (last === undefined || read.seenAtUs > last) reader.lastSeen.set(key, read.seenAtUs);
    return last === undefined || read.seenAtUs - last > this.firstReadGapUs;
  }

  /** Fold a read into its window; returns the window when this read opened it. */
  private fold(
    reader: ReaderWindows,
    read: TagRead,
    startUs: number,
    offset: number,
    key: string,
  ): Window | undefined {
    let windows = reader.windows.get(startUs);
    if (!windows) {
      windows = new Map();
      reader.windows.set(startUs, windows);
    }
    const w = windows.get(key);
    const rssi = read.rssiDbm;
    if (!w) {
      const opened: Window = {
        epc: read.epc,
        antenna: read.antenna,
        startUs,
        firstSeenUs: read.seenAtUs,
        lastSeenUs: read.seenAtUs,
        count: read.count,
        maxRssiDbm: rssi,
        rssiSum: rssi === undefined ? 0 : rssi * read.count,
        rssiWeight: rssi === undefined ? 0 : read.count,
        minOffset: offset,
      };
      windows.set(key, opened);
      return opened;
    }
    if (read.seenAtUs < w.firstSeenUs) w.firstSeenUs = read.seenAtUs;
    if (read.seenAtUs > w.lastSeenUs) w.lastSeenUs = read.seenAtUs;
    w.count += read.count;
    if (rssi !== undefined) {
      if (w.maxRssiDbm === undefined || rssi > w.maxRssiDbm) w.maxRssiDbm = rssi;
      w.rssiSum += rssi * read.count;
      w.rssiWeight += read.count;
    }
    if (offset < w.minOffset) w.minOffset = offset;
    return undefined;
  }

  private close(readerId: string, reader: ReaderWindows, watermarkUs: number, out: Observation[]): void {
    if (reader.lastSeen && Number.isFinite(watermarkUs)) {
      const forgetBeforeUs = watermarkUs - this.firstReadGapUs;
      for (const [key, lastUs] of reader.lastSeen) if (lastUs < forgetBeforeUs) reader.lastSeen.delete(key);
    }
    const starts = [...reader.windows.keys()]
      .filter((s) => s + this.windowUs <= watermarkUs)
      .sort((a, b) => a - b);
    for (const startUs of starts) {
      const windows = reader.windows.get(startUs)!;
      const closed = [...windows.values()].sort(
        (a, b) => a.firstSeenUs - b.firstSeenUs || a.antenna - b.antenna || (a.epc < b.epc ? -1 : 1),
      );
      for (const w of closed)
        out.push(windowObservation(this.site, readerId, reader.site, w, this.windowIds.get(w)));
      reader.windows.delete(startUs);
    }
  }
}
