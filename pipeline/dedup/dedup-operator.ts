import type { Clock } from '../../runtime/clock.js';
import { deterministicId } from '../../runtime/ids.js';
import type { StateStore } from '../../runtime/state-store.js';
import type { Observation, ReadBatch, TagRead } from '../../schemas/index.js';
import type { SiteIndex } from '../site/site-index.js';

/** Options of the dedup operator. */
export interface DedupOptions {
  /** Event-time tumbling window per (reader, antenna, EPC). Default 1 s. */
  windowUs?: number;
  /** How far behind the newest read of a reader a read may arrive and still join its window. Default 2 s. */
  allowedLatenessUs?: number;
  /**
   * Processing time after which a silent reader's open windows are closed anyway, so the last reads
   * before a reader goes quiet are not held forever. Default 5 s.
   */
  idleFlushUs?: number;
}

interface Window {
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
  private readonly idleFlushUs: number;
  readonly counters: DedupCounters = { readsIn: 0, lateReads: 0, observationsOut: 0 };

  constructor(
    private readonly site: SiteIndex | undefined,
    private readonly clock: Clock,
    private readonly store: StateStore<ReaderWindows>,
    options: DedupOptions = {},
  ) {
    this.windowUs = options.windowUs ?? 1_000_000;
    this.latenessUs = options.allowedLatenessUs ?? 2_000_000;
    this.idleFlushUs = options.idleFlushUs ?? 5_000_000;
    if (!(this.windowUs > 0)) throw new RangeError('windowUs must be > 0');
    if (!(this.latenessUs >= 0)) throw new RangeError('allowedLatenessUs must be >= 0');
  }

  /** Fold one batch in; return the observations whose windows closed as a result, in event-time order. */
  ingest(batch: ReadBatch, from: InputPosition): Observation[] {
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
    const out: Observation[] = [];
    const closedBeforeUs = reader.maxEventUs - this.latenessUs;
    for (const read of batch.reads) {
      this.counters.readsIn++;
      const startUs = read.seenAtUs - (read.seenAtUs % this.windowUs);
      if (startUs + this.windowUs <= closedBeforeUs) {
        // Its window was already emitted: emit the late read on its own, under an id of its own,
        // rather than drop it (the sink keeps the first version of the window's id).
        this.counters.lateReads++;
        out.push(this.lateObservation(batch, read, from));
        continue;
      }
      this.fold(reader, read, startUs, from.offset);
      if (read.seenAtUs > reader.maxEventUs) reader.maxEventUs = read.seenAtUs;
    }
    this.close(batch.readerId, reader, reader.maxEventUs - this.latenessUs, out);
    this.counters.observationsOut += out.length;
    return out;
  }

  /** Close the windows of readers that have been silent for `idleFlushUs` of processing time. */
  tick(): Observation[] {
    const now = this.clock.nowUs();
    const out: Observation[] = [];
    for (const [readerId, reader] of this.store.entries()) {
      if (reader.windows.size > 0 && now - reader.lastActivityUs >= this.idleFlushUs) {
        this.close(readerId, reader, Number.POSITIVE_INFINITY, out);
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

  /** Drop the state of readers whose input partitions moved to another worker. */
  forgetPartitions(partitions: ReadonlySet<number>): void {
    for (const [readerId, reader] of [...this.store.entries()]) {
      if (partitions.has(reader.partition)) this.store.delete(readerId);
    }
  }

  private fold(reader: ReaderWindows, read: TagRead, startUs: number, offset: number): void {
    let windows = reader.windows.get(startUs);
    if (!windows) {
      windows = new Map();
      reader.windows.set(startUs, windows);
    }
    const key = `${read.antenna}\u0000${read.epc}`;
    const w = windows.get(key);
    const rssi = read.rssiDbm;
    if (!w) {
      windows.set(key, {
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
      });
      return;
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
  }

  private close(readerId: string, reader: ReaderWindows, watermarkUs: number, out: Observation[]): void {
    const starts = [...reader.windows.keys()]
      .filter((s) => s + this.windowUs <= watermarkUs)
      .sort((a, b) => a - b);
    for (const startUs of starts) {
      const windows = reader.windows.get(startUs)!;
      const closed = [...windows.values()].sort(
        (a, b) => a.firstSeenUs - b.firstSeenUs || a.antenna - b.antenna || (a.epc < b.epc ? -1 : 1),
      );
      for (const w of closed) out.push(this.toObservation(readerId, reader.site, w));
      reader.windows.delete(startUs);
    }
  }

  private toObservation(readerId: string, site: string, w: Window): Observation {
    const obs: Observation = {
      v: 1,
      id: deterministicId('obs', readerId, w.antenna, w.epc, w.startUs),
      site,
      epc: w.epc,
      readerId,
      antenna: w.antenna,
      firstSeenUs: w.firstSeenUs,
      lastSeenUs: w.lastSeenUs,
      count: w.count,
    };
    const zone = this.site?.antenna(readerId, w.antenna)?.zone;
    if (zone !== undefined) obs.zone = zone;
    if (w.maxRssiDbm !== undefined) obs.maxRssiDbm = w.maxRssiDbm;
    if (w.rssiWeight > 0) obs.meanRssiDbm = Math.round((w.rssiSum / w.rssiWeight) * 100) / 100;
    return obs;
  }

  private lateObservation(batch: ReadBatch, read: TagRead, from: InputPosition): Observation {
    const obs: Observation = {
      v: 1,
      id: deterministicId(
        'late',
        batch.readerId,
        read.antenna,
        read.epc,
        read.seenAtUs,
        from.partition,
        from.offset,
      ),
      site: batch.site,
      epc: read.epc,
      readerId: batch.readerId,
      antenna: read.antenna,
      firstSeenUs: read.seenAtUs,
      lastSeenUs: read.seenAtUs,
      count: read.count,
    };
    const zone = this.site?.antenna(batch.readerId, read.antenna)?.zone;
    if (zone !== undefined) obs.zone = zone;
    if (read.rssiDbm !== undefined) {
      obs.maxRssiDbm = read.rssiDbm;
      obs.meanRssiDbm = read.rssiDbm;
    }
    return obs;
  }
}
