import type { TagRead } from '../../schemas/index.js';

/** Options of the reader clock check. */
export interface ReaderClockOptions {
  /**
   * A reader clock whose typical offset from the batch's send time is within this is left alone
   * (batching and transport delay live here). Default 1 s.
   */
  toleranceUs?: number;
  /** A read further than this ahead of its batch's send time is a clock jump: rejected. Default 60 s. */
  maxAheadUs?: number;
  /**
   * A read further than this behind its batch's send time is refused: a reader clock reset (to its
   * epoch after a power loss, or set to the wrong year). Batches are formed as reads arrive and a
   * disk-queue replay keeps their send time, so honest reads are seconds behind, not days. Default 7 days.
   */
  maxBehindUs?: number;
  /** Batches the offset estimate looks back over. Default 16. */
  windowBatches?: number;
}

/** Per-reader memory of the check: recent offsets (newest read − send time) and the correction in force. */
export interface ReaderClockState {
  samplesUs: number[];
  correctionUs: number;
}

export interface RejectedRead {
  read: TagRead;
  code: 'BT_READER_CLOCK_AHEAD' | 'BT_READER_CLOCK_BEHIND';
  reason: string;
}

export interface ClockCheck {
  /** Added to every accepted read's `seenAtUs`. */
  correctionUs: number;
  accepted: TagRead[];
  rejected: RejectedRead[];
}

/**
 * Detects reader clocks that are off, against the time the batch was sent to the broker
 * (`ReadBatch.sentAtUs`, the adapter host's NTP-disciplined clock). A read can never be later than
 * the batch that carries it, so a reader whose reads run ahead is corrected by the median offset of
 * its recent batches; a reader steadily behind (the offsets agree within the tolerance) is corrected
 * the same way, while a disk-queue replay after an outage — offsets large but shrinking as the queue
 * drains — is not. A single read far ahead is a clock jump, and one days behind a clock reset: both are
 * rejected with their reason.
 */
export class ReaderClockCheck {
  private readonly toleranceUs: number;
  private readonly maxAheadUs: number;
  private readonly maxBehindUs: number;
  private readonly windowBatches: number;

  constructor(options: ReaderClockOptions = {}) {
    this.toleranceUs = options.toleranceUs ?? 1_000_000;
    this.maxAheadUs = options.maxAheadUs ?? 60_000_000;
    this.maxBehindUs = options.maxBehindUs ?? 7 * 86_400_000_000;
    this.windowBatches = options.windowBatches ?? 16;
    if (!(this.toleranceUs >= 0)) throw new RangeError('toleranceUs must be >= 0');
    if (!(this.maxAheadUs > this.toleranceUs)) throw new RangeError('maxAheadUs must be > toleranceUs');
    if (!(this.maxBehindUs > this.toleranceUs)) throw new RangeError('maxBehindUs must be > toleranceUs');
    if (!(this.windowBatches >= 1)) throw new RangeError('windowBatches must be >= 1');
  }

  check(state: ReaderClockState, reads: readonly TagRead[], sentAtUs: number): ClockCheck {
    const accepted: TagRead[] = [];
    const rejected: RejectedRead[] = [];
    let newestUs: number | undefined;
    for (const read of reads) {
      const aheadUs = read.seenAtUs - sentAtUs;
      if (aheadUs > this.maxAheadUs) {
        rejected.push({
          read,
          code: 'BT_READER_CLOCK_AHEAD',
          reason: `read time is ${Math.round(aheadUs / 1000)} ms after its batch was sent (limit ${this.maxAheadUs / 1000} ms): reader clock jumped`,
        });
        continue;
      }
      if (-aheadUs > this.maxBehindUs) {
        rejected.push({
          read,
          code: 'BT_READER_CLOCK_BEHIND',
          reason: `read time is ${Math.round(-aheadUs / 86_400e6)} days before its batch was sent (limit ${this.maxBehindUs / 86_400e6} days): reader clock reset or wrong`,
        });
        continue;
      }
      accepted.push(read);
      if (newestUs === undefined || read.seenAtUs > newestUs) newestUs = read.seenAtUs;
    }
    if (newestUs !== undefined) {
      state.samplesUs.push(newestUs - sentAtUs);
      if (state.samplesUs.length > this.windowBatches) state.samplesUs.shift();
      state.correctionUs = this.correction(state.samplesUs);
    }
    return { correctionUs: state.correctionUs, accepted, rejected };
  }

  private correction(samplesUs: readonly number[]): number {
    const sorted = [...samplesUs].sort((a, b) => a - b);
    const medianUs = sorted[Math.floor(sorted.length / 2)]!;
    if (Math.abs(medianUs) <= this.toleranceUs) return 0;
    // Ahead is impossible: always correct. Behind may be a replay of queued batches: only when steady.
    // Steady means several batches agree: one old batch alone may be the head of a replay.
    const steady =
      sorted.length >= Math.min(4, this.windowBatches) &&
      sorted[sorted.length - 1]! - sorted[0]! <= this.toleranceUs;
    if (medianUs < 0 && !steady) return 0;
    return -Math.round(medianUs / 1000) * 1000;
  }
}
