import type { MqttClient } from 'mqtt';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { describeError } from '../../runtime/errors.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import {
  batchesPublishedTotal,
  deadLettersTotal,
  diskQueueBytes,
  diskQueueMessages,
  mqttConnected,
  readsInTotal,
} from '../../runtime/metrics.js';
import {
  Identifier,
  ReadBatch,
  mqttTopics,
  toSchemaError,
  type ReaderState,
  type TagRead,
} from '../../schemas/index.js';
import { AntennaRates } from './antenna-rates.js';
import { createBootId } from './boot-id.js';
import { DiskQueue } from './disk-queue.js';
import { buildDeadLetter } from './dead-letter.js';
import { PublishError, PublishErrorCode } from './errors.js';
import { connectMqtt, endMqtt } from './mqtt-connection.js';
import { parsePublisherOptions, type PublisherOptions, type PublisherOptionsInput } from './options.js';
import { Outbox, type OutgoingMessage } from './outbox.js';
import { ReaderBatcher } from './reader-batcher.js';
import { ReaderPresence, type SequenceGapTotals } from './reader-presence.js';
import type { DeadLetterInput, Publisher, PublisherCloseResult, PublisherStats } from './types.js';

export interface PublisherDeps {
  /** For sentAtUs, atUs and the boot id. */
  clock?: Clock;
  logger?: Logger;
}

/**
 * The batch envelope, without `reads`. Every read was validated as a TagRead where it was parsed
 * (the protocol parsers use parseWith(TagRead)), and re-validating 500 reads per batch would cost
 * about twice as much as serialising them; the envelope costs microseconds.
 */
const ReadBatchEnvelope = ReadBatch.omit({ reads: true });

/** Create the publisher of an adapter process. It connects in the background and never throws for a broker that is down. */
export function createPublisher(options: PublisherOptionsInput, deps: PublisherDeps = {}): Publisher {
  return new MqttPublisher(parsePublisherOptions(options), deps);
}

class MqttPublisher implements Publisher {
  readonly site: string;
  readonly bootId: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly stage: string;
  private readonly clientIdBase: string;
  private readonly client: MqttClient;
  private readonly outbox: Outbox;
  private readonly batchers = new Map<string, ReaderBatcher>();
  private readonly presences = new Map<string, ReaderPresence>();
  private readonly sequenceGaps = new Map<string, SequenceGapTotals>();
  /** Without an on-disk queue: per reader, the durability promises of its unacknowledged messages. */
  private readonly notDurable = new Map<string, Set<Promise<void>>>();
  private closing: Promise<PublisherCloseResult> | undefined;
  private readonly disk: DiskQueue | undefined;
  private readonly headTimer: NodeJS.Timeout | undefined;
  private readonly rates = new AntennaRates();
  private readonly healthTimer: NodeJS.Timeout | undefined;
  /** Scrape-time gauges of this publisher, removed on close. */
  private readonly unsample: Array<() => void> = [];
  private readonly counters = {
    readsIn: 0,
    batchesFormed: 0,
    batchesPublished: 0,
    readsPublished: 0,
    deadLetters: 0,
    deadLettersPublished: 0,
    publishErrors: 0,
    messagesFailed: 0,
  };

  constructor(
    private readonly options: PublisherOptions,
    deps: PublisherDeps,
  ) {
    this.site = options.site;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? createLogger('publisher', { site: options.site, source: options.source });
    this.stage = options.stage ?? `adapter:${options.source}`;
    this.bootId = createBootId(this.clock);
    this.clientIdBase = `bondtrack-${options.source}-${options.site}-${this.bootId}`;
    this.client = connectMqtt(
      options.mqttUrl,
      {
        clientId: this.clientIdBase,
        keepalive: options.keepaliveSec,
        reconnectPeriod: options.reconnectPeriodMs,
      },
      this.logger,
    );
    this.outbox = new Outbox(this.client, options, {
      acked: (message) => this.onAcked(message),
      failed: (message, err, retrying) => this.onFailed(message, err, retrying),
    });
    if (options.healthIntervalMs > 0) {
      this.healthTimer = setInterval(() => this.publishHealth(), options.healthIntervalMs);
      this.healthTimer.unref();
    }
    if (options.queueDir !== undefined) {
      this.disk = new DiskQueue({
        dir: options.queueDir,
        maxBytes: options.queueMaxBytes,
        segmentBytes: options.queueSegmentBytes,
        policy: options.queueFullPolicy,
        fsync: options.queueFsync,
      });
      if (this.disk.size > 0) {
        this.logger.info({ messages: this.disk.size, dir: options.queueDir }, 'replaying the on-disk queue');
      }
      this.headTimer = setInterval(() => this.disk?.saveHead(), 1_000);
      this.headTimer.unref();
      this.pumpDisk();
      const disk = this.disk;
      this.unsample.push(
        diskQueueMessages.sample({ stage: this.stage }, () => disk.size),
        diskQueueBytes.sample({ stage: this.stage }, () => disk.sizeBytes),
      );
    }
    this.unsample.push(
      mqttConnected.sample({ client: `${this.stage}:publisher` }, () => (this.client.connected ? 1 : 0)),
    );
  }

  get writable(): boolean {
    return this.disk === undefined ? this.outbox.writable : this.disk.writable;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  push(readerId: string, read: TagRead): boolean {
    this.assertOpen(readerId);
    const batcher = this.batcherFor(readerId);
    this.counters.readsIn++;
    if (this.healthTimer !== undefined) this.rates.add(readerId, read);
    batcher.add(read);
    return this.writable;
  }

  deadLetter(input: DeadLetterInput): boolean {
    this.assertOpen(input.readerId);
    this.checkReaderId(input.readerId);
    const letter = buildDeadLetter(input, { stage: this.stage, site: this.site, atUs: this.clock.nowUs() });
    this.counters.deadLetters++;
    deadLettersTotal.inc({ stage: this.stage, code: letter.code });
    this.logger.warn({ readerId: input.readerId, code: letter.code, reason: letter.reason }, 'dead letter');
    this.enqueue({
      kind: 'dead-letter',
      readerId: input.readerId,
      topic: mqttTopics.deadLetters(this.site, input.readerId),
      payload: JSON.stringify(letter),
      readCount: 0,
      label: input.code,
      attempts: 0,
    });
    return this.writable;
  }

  setReaderStatus(readerId: string, state: ReaderState, detail?: string): void {
    if (this.closing !== undefined) {
      this.logger.debug({ readerId, state }, 'reader status after close ignored (close publishes offline)');
      return;
    }
    this.checkReaderId(readerId);
    let presence = this.presences.get(readerId);
    if (presence === undefined) {
      presence = new ReaderPresence({
        mqttUrl: this.options.mqttUrl,
        clientId: `${this.clientIdBase}-status-${readerId}`,
        site: this.site,
        readerId,
        keepaliveSec: this.options.keepaliveSec,
        reconnectPeriodMs: this.options.reconnectPeriodMs,
        clock: this.clock,
        logger: this.logger,
      });
      this.presences.set(readerId, presence);
      const gaps = this.sequenceGaps.get(readerId);
      if (gaps !== undefined) presence.setSequenceGaps(gaps, false);
    }
    presence.set(state, detail);
  }

  /**
   * Totals of jumps in a reader's own event counter (Zebra eventNum), shown in its retained
   * status: republished at once without a health interval, else by the next heartbeat.
   */
  setSequenceGaps(readerId: string, totals: SequenceGapTotals): void {
    this.checkReaderId(readerId);
    this.sequenceGaps.set(readerId, { ...totals });
    if (this.closing !== undefined) return;
    this.presences.get(readerId)?.setSequenceGaps(totals, this.options.healthIntervalMs === 0);
  }

  whenWritable(): Promise<void> {
    return this.disk === undefined ? this.outbox.whenWritable() : this.disk.whenWritable();
  }

  whenDurable(readerId: string): Promise<void> {
    this.batchers.get(readerId)?.formBatch();
    const pending = this.notDurable.get(readerId);
    if (pending === undefined || pending.size === 0) return Promise.resolve();
    return Promise.all(pending).then(() => undefined);
  }

  flush(): void {
    for (const batcher of this.batchers.values()) batcher.formBatch();
  }

  stats(): PublisherStats {
    let statusPublished = 0;
    for (const presence of this.presences.values()) statusPublished += presence.published;
    return {
      ...this.counters,
      queued: this.outbox.queued,
      inFlight: this.outbox.inFlightCount,
      statusPublished,
      connected: this.client.connected,
      ...(this.disk === undefined
        ? {}
        : {
            diskQueue: {
              messages: this.disk.size,
              bytes: this.disk.sizeBytes,
              recovered: this.disk.counters.recovered,
              dropped: this.disk.counters.dropped,
              droppedReads: this.disk.counters.droppedReads,
              full: !this.disk.writable,
            },
          }),
    };
  }

  close(): Promise<PublisherCloseResult> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private publishHealth(): void {
    if (this.closing !== undefined) return;
    for (const [readerId, presence] of this.presences) {
      presence.setHealth(this.rates.snapshot(readerId, this.options.healthIntervalMs));
    }
  }

  private async shutdown(): Promise<PublisherCloseResult> {
    clearInterval(this.healthTimer);
    const deadline = Date.now() + this.options.closeTimeoutMs;
    for (const batcher of this.batchers.values()) {
      batcher.formBatch();
      batcher.stop();
    }
    const idle = await this.waitIdle(deadline);
    const unpublished = this.outbox.pending();
    this.outbox.stop();
    for (const message of unpublished) {
      message.settle?.(
        new PublishError(PublishErrorCode.CLOSED, `message ${message.label} unacknowledged at close`, {
          readerId: message.readerId,
        }),
      );
    }
    clearInterval(this.headTimer);
    this.disk?.saveHead();
    const notHandedOut = this.disk?.waiting ?? 0;
    const result: PublisherCloseResult = {
      unpublishedMessages: unpublished.length + notHandedOut,
      unpublishedReads:
        unpublished.reduce((sum, m) => sum + m.readCount, 0) + (this.disk?.waitingReads() ?? 0),
      // Everything unacknowledged is still on disk: the next start with the same queueDir sends it.
      ...(this.disk === undefined ? {} : { keptOnDisk: this.disk.size }),
    };
    if (!idle) {
      this.logger.error(
        { code: PublishErrorCode.CLOSE_TIMEOUT, ...result, timeoutMs: this.options.closeTimeoutMs },
        'close timed out waiting for PUBACKs; the unacknowledged messages are lost',
      );
    }
    // Give status a moment even when the data timed out: a broker that came back can still take it.
    const remainingMs = Math.max(1_000, deadline - Date.now());
    await Promise.all([...this.presences.values()].map((p) => p.close('adapter stopped', remainingMs)));
    await endMqtt(this.client, idle, remainingMs);
    for (const stop of this.unsample) stop();
    this.logger.info({ stats: this.stats() }, 'publisher closed');
    return result;
  }

  /** Until the outbox and the on-disk queue are both empty, or the deadline. */
  private async waitIdle(deadline: number): Promise<boolean> {
    for (;;) {
      const idle = await this.outbox.waitIdle(Math.max(0, deadline - Date.now()));
      if (!idle) return false;
      if (this.disk === undefined || this.disk.size === 0) return true;
      if (this.disk.waiting === 0 || Date.now() >= deadline) return this.disk.size === 0;
      this.pumpDisk();
    }
  }

  /** A message for the broker: through the on-disk queue when there is one, else straight to the outbox. */
  private enqueue(message: OutgoingMessage): void {
    if (this.disk === undefined) {
      this.trackDurability(message);
      this.outbox.enqueue(message);
      return;
    }
    // Durable once appended: whenDurable() callers (holding their readers' acknowledgements) need no more.
    const dropped = this.disk.append(message);
    if (dropped.length > 0) {
      this.logger.error(
        {
          code: PublishErrorCode.QUEUE_FULL_DROPPED,
          messages: dropped.map((m) => m.label),
          reads: dropped.reduce((sum, m) => sum + m.readCount, 0),
          droppedTotal: this.disk.counters.dropped,
        },
        'on-disk queue full: dropped the oldest messages (queueFullPolicy drop-oldest)',
      );
    }
    this.pumpDisk();
  }

  /** Without an on-disk queue a message is durable when the broker acknowledges it. */
  private trackDurability(message: OutgoingMessage): void {
    let pending = this.notDurable.get(message.readerId);
    if (pending === undefined) {
      pending = new Set();
      this.notDurable.set(message.readerId, pending);
    }
    const readers = pending;
    const durable = new Promise<void>((resolve, reject) => {
      message.settle = (err) => {
        message.settle = undefined;
        readers.delete(durable);
        if (err === undefined) resolve();
        else reject(err);
      };
    });
    // Nobody may be waiting on it: a rejection is reported to whenDurable() callers, not unhandled.
    durable.catch(() => undefined);
    pending.add(durable);
  }

  /**
   * Hand queued messages to the outbox, in order, keeping at most two in-flight windows there: the
   * rest stay on disk, so after an outage they are sent in order, not behind whatever came later.
   */
  private pumpDisk(): void {
    const disk = this.disk;
    if (disk === undefined) return;
    while (this.outbox.queued + this.outbox.inFlightCount < this.options.maxInFlight * 2) {
      const message = disk.next();
      if (message === undefined) break;
      this.outbox.enqueue(message);
    }
  }

  private batcherFor(readerId: string): ReaderBatcher {
    let batcher = this.batchers.get(readerId);
    if (batcher === undefined) {
      this.checkReaderId(readerId);
      batcher = new ReaderBatcher(
        readerId,
        { ...this.options, bootId: this.bootId, clock: this.clock },
        (batch) => this.onBatch(batch),
      );
      this.batchers.set(readerId, batcher);
    }
    return batcher;
  }

  private onBatch(batch: ReadBatch): void {
    this.counters.batchesFormed++;
    readsInTotal.inc({ stage: this.stage, reader: batch.readerId }, batch.reads.length);
    const payload = JSON.stringify(batch);
    const envelope = ReadBatchEnvelope.safeParse(batch);
    if (!envelope.success) {
      // E.g. a host clock set to 1970 makes sentAtUs invalid. Keep the reads, as a dead letter.
      const reason = `batch ${batch.batchId}: ${toSchemaError('ReadBatch', envelope.error).message}`;
      this.deadLetter({ readerId: batch.readerId, code: PublishErrorCode.INVALID_MESSAGE, reason, payload });
      return;
    }
    this.enqueue({
      kind: 'batch',
      readerId: batch.readerId,
      topic: mqttTopics.reads(this.site, batch.readerId),
      payload,
      readCount: batch.reads.length,
      label: batch.batchId,
      attempts: 0,
    });
  }

  private onAcked(message: OutgoingMessage): void {
    message.settle?.();
    if (message.diskSeq !== undefined) {
      this.disk?.ack(message.diskSeq);
      this.pumpDisk();
    }
    if (message.kind === 'batch') {
      this.counters.batchesPublished++;
      batchesPublishedTotal.inc({ stage: this.stage });
      this.counters.readsPublished += message.readCount;
    } else {
      this.counters.deadLettersPublished++;
    }
  }

  private onFailed(message: OutgoingMessage, err: Error, retrying: boolean): void {
    this.counters.publishErrors++;
    const context = {
      code: PublishErrorCode.FAILED,
      readerId: message.readerId,
      message: message.label,
      ...(message.kind === 'batch' ? { batchId: message.label } : {}),
      attempts: message.attempts,
      err: describeError(err),
    };
    if (retrying) {
      this.logger.warn(context, 'publish failed; will retry');
    } else {
      this.counters.messagesFailed++;
      message.settle?.(
        new PublishError(PublishErrorCode.FAILED, `gave up publishing ${message.label}`, {
          cause: err,
          readerId: message.readerId,
        }),
      );
      if (message.diskSeq !== undefined) {
        // Refused by the broker every time (e.g. not authorised): counted and logged, not retried forever.
        this.disk?.ack(message.diskSeq);
        this.pumpDisk();
      }
      this.logger.error(
        { ...context, reads: message.readCount },
        'publish failed; giving up on this message',
      );
    }
  }

  private checkReaderId(readerId: string): void {
    if (this.batchers.has(readerId) || this.presences.has(readerId)) return;
    if (!Identifier.safeParse(readerId).success) {
      throw new PublishError(
        PublishErrorCode.BAD_READER_ID,
        `readerId ${JSON.stringify(readerId)} must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`,
        { readerId },
      );
    }
  }

  private assertOpen(readerId: string): void {
    if (this.closing !== undefined) {
      throw new PublishError(
        PublishErrorCode.CLOSED,
        `publisher for site ${this.site} is closed; stop input before close()`,
        { readerId },
      );
    }
  }
}
