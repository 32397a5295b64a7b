import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { OutgoingMessage } from './outbox.js';

/**
 * The bounded on-disk queue of messages (ReadBatches, dead letters) not yet acknowledged by the
 * broker. Every message is appended here before it is handed to MQTT, so a broker outage — or the
 * adapter process dying — loses nothing: on reconnect (or on the next start) the messages are sent
 * again, in order, with the very same payload and so the same `batchId`, and the bridge drops the
 * ones it had already forwarded.
 *
 * Layout of `dir`:
 *
 *   00000001.jsonl   segment: one message per line {kind, readerId, topic, payload, readCount, label}
 *   00000002.jsonl   …appended to the last one; a new one starts past `segmentBytes`
 *   head.json        {"segment":1,"index":17}: the first message not yet acknowledged
 *
 * A segment is deleted once all its messages are acknowledged. `head.json` is rewritten (atomically,
 * by rename) at most every `headSaveMs` and on close, so a crash can re-send a few acknowledged
 * messages (at-least-once; the bridge's batchId check drops them), never skip one.
 *
 * Bounded by `maxBytes` of unacknowledged messages. When full, `policy` decides, explicitly:
 *   block        `writable` turns false and the adapter stops reading its readers until there is
 *                room (readers with on-board buffers keep their reads; serial ports apply flow control)
 *   drop-oldest  the oldest messages not yet handed to MQTT are discarded to make room, counted in
 *                `dropped` and logged by the publisher with their batch ids
 *
 * All I/O is synchronous and small (one append per batch of up to 500 reads), so ordering needs no
 * locks; `fsync` (off by default) also survives power loss, at the cost of one fsync per batch.
 */
export type QueueFullPolicy = 'block' | 'drop-oldest';

export interface DiskQueueSettings {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  policy: QueueFullPolicy;
  fsync: boolean;
}

/** A message in the queue; `diskSeq` orders it (and finds it again on acknowledgement). */
export interface QueuedMessage extends OutgoingMessage {
  diskSeq: number;
}

interface Entry {
  message: QueuedMessage;
  segment: number;
  bytes: number;
  acked: boolean;
}

const HEAD_FILE = 'head.json';
const segmentName = (n: number): string => `${String(n).padStart(8, '0')}.jsonl`;

export class DiskQueue {
  /** Unacknowledged messages in order; the first `handedOut` of them are with the outbox. */
  private readonly entries: Entry[] = [];
  private handedOut = 0;
  private readonly bySeq = new Map<number, Entry>();
  private nextSeq = 0;
  private writeSegment = 1;
  private writeSegmentBytes = 0;
  /** Unacknowledged messages per segment, to delete a segment when it reaches 0. */
  private readonly liveInSegment = new Map<number, number>();
  /** Messages written to each segment so far, and each live message's line index in its segment. */
  private readonly segmentCounts = new Map<number, number>();
  private readonly segmentIndex = new Map<number, number>();
  private bytes = 0;
  private headDirty = false;
  readonly counters = { appended: 0, acked: 0, dropped: 0, droppedReads: 0, recovered: 0 };
  private waiters: Array<() => void> = [];

  constructor(private readonly settings: DiskQueueSettings) {
    mkdirSync(settings.dir, { recursive: true });
    this.recover();
  }

  get size(): number {
    return this.entries.length;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Messages waiting to be handed to MQTT. */
  get waiting(): number {
    return this.entries.length - this.handedOut;
  }

  /** Reads in the messages not yet handed to MQTT. */
  waitingReads(): number {
    let reads = 0;
    for (let i = this.handedOut; i < this.entries.length; i++)
      reads += this.entries[i]?.message.readCount ?? 0;
    return reads;
  }

  /** False when full under the `block` policy: callers should stop reading. */
  get writable(): boolean {
    return this.settings.policy === 'drop-oldest' || this.bytes < this.settings.maxBytes;
  }

  whenWritable(): Promise<void> {
    // Resume at 3/4 full, not just under the limit, so input does not flap around it.
    if (this.bytes <= this.settings.maxBytes * 0.75) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Persist `message` at the tail. Returns the messages dropped to make room (drop-oldest). */
  append(message: OutgoingMessage): QueuedMessage[] {
    const queued: QueuedMessage = { ...message, diskSeq: this.nextSeq++ };
    const line = `${JSON.stringify({
      kind: queued.kind,
      readerId: queued.readerId,
      topic: queued.topic,
      payload: queued.payload,
      readCount: queued.readCount,
      label: queued.label,
    })}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.writeSegmentBytes > 0 && this.writeSegmentBytes + bytes > this.settings.segmentBytes) {
      const full = this.writeSegment++;
      this.writeSegmentBytes = 0;
      if ((this.liveInSegment.get(full) ?? 0) === 0) this.deleteSegment(full);
    }
    const path = join(this.settings.dir, segmentName(this.writeSegment));
    if (this.settings.fsync) {
      const fd = openSync(path, 'a');
      try {
        appendFileSync(fd, line);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else appendFileSync(path, line);
    this.writeSegmentBytes += bytes;
    this.track({ message: queued, segment: this.writeSegment, bytes, acked: false });
    this.counters.appended++;
    return this.settings.policy === 'drop-oldest' ? this.dropOverflow() : [];
  }

  /** The next message for the outbox, in order, or undefined. */
  next(): QueuedMessage | undefined {
    const entry = this.entries[this.handedOut];
    if (entry === undefined) return undefined;
    this.handedOut++;
    return entry.message;
  }

  /** The broker has it (or the publisher gave up on it): forget it. */
  ack(diskSeq: number): void {
    const entry = this.bySeq.get(diskSeq);
    if (entry === undefined || entry.acked) return;
    entry.acked = true;
    this.counters.acked++;
    this.release(entry);
    // Acks arrive in order almost always; pop every acknowledged entry at the head.
    while (this.entries[0]?.acked === true) {
      this.entries.shift();
      // Entries acknowledged during recovery were never handed out.
      if (this.handedOut > 0) this.handedOut--;
    }
    this.headDirty = true;
  }

  /** Write head.json if it changed. Called by the publisher on a timer and at close. */
  saveHead(): void {
    if (!this.headDirty) return;
    this.headDirty = false;
    const first = this.entries[0];
    // Empty: the head is where the next message will be written.
    const head =
      first === undefined
        ? { segment: this.writeSegment, index: this.segmentCounts.get(this.writeSegment) ?? 0 }
        : { segment: first.segment, index: this.segmentIndex.get(first.message.diskSeq) ?? 0 };
    const tmp = join(this.settings.dir, `${HEAD_FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(head));
    renameSync(tmp, join(this.settings.dir, HEAD_FILE));
  }

  private track(entry: Entry): void {
    const index = this.segmentCounts.get(entry.segment) ?? 0;
    this.segmentCounts.set(entry.segment, index + 1);
    this.segmentIndex.set(entry.message.diskSeq, index);
    this.entries.push(entry);
    this.bySeq.set(entry.message.diskSeq, entry);
    this.liveInSegment.set(entry.segment, (this.liveInSegment.get(entry.segment) ?? 0) + 1);
    this.bytes += entry.bytes;
  }

  private release(entry: Entry): void {
    this.bySeq.delete(entry.message.diskSeq);
    this.segmentIndex.delete(entry.message.diskSeq);
    this.bytes -= entry.bytes;
    const live = (this.liveInSegment.get(entry.segment) ?? 1) - 1;
    if (live > 0 || entry.segment === this.writeSegment) this.liveInSegment.set(entry.segment, live);
    else this.deleteSegment(entry.segment);
    if (this.waiters.length > 0 && this.bytes <= this.settings.maxBytes * 0.75) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private deleteSegment(segment: number): void {
    this.liveInSegment.delete(segment);
    this.segmentCounts.delete(segment);
    unlinkSync(join(this.settings.dir, segmentName(segment)));
  }

  private dropOverflow(): QueuedMessage[] {
    const dropped: QueuedMessage[] = [];
    // Only messages not yet with the outbox can go; the ones in flight are about to be acknowledged.
    while (this.bytes > this.settings.maxBytes && this.waiting > 1) {
      const [entry] = this.entries.splice(this.handedOut, 1);
      if (entry === undefined) break;
      entry.acked = true;
      this.release(entry);
      this.counters.dropped++;
      this.counters.droppedReads += entry.message.readCount;
      dropped.push(entry.message);
      this.headDirty = true;
    }
    return dropped;
  }

  /** Load what a previous run left: every message from head.json on, in order. */
  private recover(): void {
    const segments = readdirSync(this.settings.dir)
      .filter((name) => /^\d{8}\.jsonl$/.test(name))
      .map((name) => Number(name.slice(0, 8)))
      .sort((a, b) => a - b);
    let head = { segment: 0, index: 0 };
    try {
      head = JSON.parse(readFileSync(join(this.settings.dir, HEAD_FILE), 'utf8')) as typeof head;
    } catch {
      // No head yet: everything on disk is unacknowledged.
    }
    for (const segment of segments) {
      const path = join(this.settings.dir, segmentName(segment));
      if (segment < head.segment) {
        unlinkSync(path);
        continue;
      }
      const lines = readFileSync(path, 'utf8').split('\n');
      lines.forEach((line, index) => {
        // A torn last line (crash mid-append) is incomplete JSON: skip it, it was never handed on.
        if (line === '') return;
        let record: Omit<OutgoingMessage, 'attempts'>;
        try {
          record = JSON.parse(line) as typeof record;
        } catch {
          return;
        }
        this.segmentCounts.set(segment, index);
        const message: QueuedMessage = { ...record, attempts: 0, diskSeq: this.nextSeq++ };
        this.track({ message, segment, bytes: Buffer.byteLength(line) + 1, acked: false });
        if (segment === head.segment && index < head.index) this.ack(message.diskSeq);
        else this.counters.recovered++;
      });
      this.writeSegment = segment + 1;
    }
    this.counters.acked = 0;
    this.headDirty = true;
  }
}
