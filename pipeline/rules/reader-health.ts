import type { Clock } from '../../runtime/clock.js';
import { deterministicId } from '../../runtime/ids.js';
import type { Alert, ReaderState } from '../../schemas/index.js';

export interface ReaderHealthOptions {
  /**
   * Processing time without a batch after which a reader that was sending is down. Event time
   * cannot tell: a silent reader's clock stops with it. Default 30 s (readers send every second
   * or so, even with no tag in view they send heartbeats through their status).
   */
  silenceUs?: number;
}

interface ReaderEntry {
  site: string;
  partition: number;
  lastBatchAtUs: number;
  /** Newest read time of the reader: names the silence in the alert's id. */
  lastEventUs: number;
  /** A READER_DOWN of this outage was raised (from status or from silence). */
  down: boolean;
}

/**
 * READER_DOWN, from the reader status stream (an adapter's `offline`, including its MQTT last will)
 * and from silence: a reader that sent batches and then stopped for `silenceUs`. One alert per
 * outage; a batch or an `online` status ends the outage. Alert ids derive from the status time or
 * from the reader's last read, so a replay raises the same alert.
 */
export class ReaderHealth {
  private readonly silenceUs: number;
  private readonly readers = new Map<string, ReaderEntry>();

  constructor(
    private readonly clock: Clock,
    options: ReaderHealthOptions = {},
  ) {
    this.silenceUs = options.silenceUs ?? 30_000_000;
    if (!(this.silenceUs > 0)) throw new RangeError('silenceUs must be > 0');
  }

  /** A batch of `readerId` arrived (from input `partition`) with reads up to `newestReadUs`. */
  onBatch(site: string, readerId: string, partition: number, newestReadUs: number): void {
    const entry = this.readers.get(readerId);
    const nowUs = this.clock.nowUs();
    if (!entry) {
      this.readers.set(readerId, {
        site,
        partition,
        lastBatchAtUs: nowUs,
        lastEventUs: newestReadUs,
        down: false,
      });
      return;
    }
    entry.partition = partition;
    entry.lastBatchAtUs = nowUs;
    if (newestReadUs > entry.lastEventUs) entry.lastEventUs = newestReadUs;
    entry.down = false;
  }

  /** A reader status message; `atUs` is its time (or, for a last will, when the broker passed it on). */
  onStatus(site: string, readerId: string, state: ReaderState, atUs: number, detail?: string): Alert[] {
    let entry = this.readers.get(readerId);
    if (state === 'online') {
      if (entry) {
        entry.down = false;
        entry.lastBatchAtUs = this.clock.nowUs();
      }
      return [];
    }
    if (state !== 'offline') return [];
    if (!entry) {
      entry = { site, partition: -1, lastBatchAtUs: this.clock.nowUs(), lastEventUs: atUs, down: false };
      this.readers.set(readerId, entry);
    }
    if (entry.down) return [];
    entry.down = true;
    return [
      readerDown(site, readerId, atUs, deterministicId('alert', 'READER_DOWN', 'status', readerId, atUs), {
        source: 'status',
        detail: detail ?? null,
      }),
    ];
  }

  /** Readers silent for `silenceUs` of processing time since their last batch. */
  tick(): Alert[] {
    const nowUs = this.clock.nowUs();
    const out: Alert[] = [];
    for (const [readerId, entry] of this.readers) {
      if (entry.down || nowUs - entry.lastBatchAtUs < this.silenceUs) continue;
      entry.down = true;
      const id = deterministicId('alert', 'READER_DOWN', 'silence', readerId, entry.lastEventUs);
      out.push(
        readerDown(entry.site, readerId, entry.lastEventUs, id, {
          source: 'silence',
          silentForSec: Math.round((nowUs - entry.lastBatchAtUs) / 1_000_000),
        }),
      );
    }
    return out;
  }

  /** Forget readers whose input partitions moved to another worker (it watches them now). */
  forgetPartitions(partitions: ReadonlySet<number>): void {
    for (const [readerId, entry] of [...this.readers])
      if (partitions.has(entry.partition)) this.readers.delete(readerId);
  }
}

function readerDown(
  site: string,
  readerId: string,
  atUs: number,
  id: string,
  details: Alert['details'],
): Alert {
  return { v: 1, id, site, kind: 'READER_DOWN', severity: 'CRITICAL', readerId, atUs, details };
}
