import type { SequenceGapTotals } from './reader-presence.js';
import type { ReaderState, TagRead } from '../../schemas/index.js';

/** Input that was refused, on its way to the dead-letter topic. */
export interface DeadLetterInput {
  readerId: string;
  /** Stable error code, e.g. BT_SERIAL_BAD_JSON. */
  code: string;
  /** Why it was refused, naming the field when there is one. */
  reason: string;
  /** The input as received: a string is sent as utf8, a Buffer as base64. */
  payload: string | Buffer;
}

/** Counters since the publisher started. */
export interface PublisherStats {
  /** Reads accepted by push(). */
  readsIn: number;
  /** Batches formed from them. */
  batchesFormed: number;
  /** Batches the broker acknowledged (PUBACK), and the reads in them. */
  batchesPublished: number;
  readsPublished: number;
  /** Dead letters accepted by deadLetter(), and those the broker acknowledged. */
  deadLetters: number;
  deadLettersPublished: number;
  /** Publishes that failed (each attempt); `messagesFailed` are those given up on. */
  publishErrors: number;
  messagesFailed: number;
  /** Messages formed and waiting for a slot, and messages awaiting PUBACK. */
  queued: number;
  inFlight: number;
  /** Reader status messages acknowledged. */
  statusPublished: number;
  connected: boolean;
  /** The on-disk queue, when configured (queueDir). */
  diskQueue?: {
    /** Messages not yet acknowledged, and their bytes on disk. */
    messages: number;
    bytes: number;
    /** Messages left by a previous run and replayed by this one. */
    recovered: number;
    /** Messages (and the reads in them) discarded by the drop-oldest policy. */
    dropped: number;
    droppedReads: number;
    /** Whether input is paused by the block policy. */
    full: boolean;
  };
}

/** What close() could not deliver (all zero after a clean close). */
export interface PublisherCloseResult {
  unpublishedMessages: number;
  unpublishedReads: number;
  /**
   * With an on-disk queue: how many of the unpublished messages are kept there for the next start
   * (not lost). Absent without one.
   */
  keptOnDisk?: number;
}

/**
 * The MQTT publisher an adapter process shares between all the readers it serves. It batches reads
 * per reader into ReadBatch messages, sends dead letters and retained reader status, and applies
 * backpressure instead of dropping when the broker is slow or away.
 */
export interface Publisher {
  readonly site: string;
  /** Per process start; part of every batchId (`{readerId}:{bootId}:{seq}`). */
  readonly bootId: string;
  /** False when callers should stop reading until whenWritable() resolves. */
  readonly writable: boolean;
  readonly closed: boolean;

  /** Add a read to its reader's batch. Returns `writable`: false asks the caller to pause input. */
  push(readerId: string, read: TagRead): boolean;
  /** Send refused input to the dead-letter topic (and log it). Returns `writable`. */
  deadLetter(input: DeadLetterInput): boolean;
  /** Publish the reader's retained status (`online` when its port opens, `offline` when it closes). */
  setReaderStatus(readerId: string, state: ReaderState, detail?: string): void;
  /**
   * Totals of jumps in the reader's own event counter (Zebra eventNum) since start, carried in its
   * retained status (`sequenceGaps`, `missingEvents`) and every health republish after.
   */
  setSequenceGaps(readerId: string, totals: SequenceGapTotals): void;
  /** Resolves once the backlog is down to half the high-water mark (or at close). */
  whenWritable(): Promise<void>;
  /**
   * Resolves once every read and dead letter handed over for `readerId` so far is durable: appended
   * to the on-disk queue (queueDir), else acknowledged by the broker (PUBACK). Forms the reader's
   * partly filled batch at once: the caller is waiting (e.g. holding its reader's PUBACK or HTTP
   * reply), so lingering could only add latency. Rejects (BT_PUBLISH_FAILED / BT_PUBLISH_CLOSED)
   * when one of them is given up on or still unacknowledged at close: the caller must then not
   * acknowledge its input, so the reader sends it again.
   */
  whenDurable(readerId: string): Promise<void>;
  /** Form batches from every partly filled buffer now instead of at the linger deadline. */
  flush(): void;
  stats(): PublisherStats;
  /**
   * Flush, wait for every PUBACK (up to closeTimeoutMs), publish `offline` for every reader, and
   * disconnect. Calling it again returns the same promise.
   */
  close(): Promise<PublisherCloseResult>;
}
