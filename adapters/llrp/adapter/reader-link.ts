import type { Logger } from '../../../runtime/logger.js';
import type { Publisher } from '../../publish/index.js';
import type { LlrpProtocolError, TagReportData } from '../index.js';
import {
  LlrpClient,
  tagReadOf,
  type LlrpClientDeps,
  type LlrpClientOptionsInput,
  type LlrpStatusChange,
} from '../client/index.js';

/** What a link needs from the publisher (the same slice every adapter uses). */
export type LlrpReadSink = Pick<Publisher, 'push' | 'deadLetter' | 'setReaderStatus' | 'whenWritable'>;

export interface ReaderLinkStats {
  reads: number;
  deadLetters: number;
  pauses: number;
}

/**
 * One reader's client wired to the publisher: TagReportData → TagRead → `push`; what cannot be a
 * read → dead letter; connection changes → reader status (connected: online, keepalive missed:
 * degraded, disconnected: offline); a full publisher pauses the socket (TCP backpressure on the
 * reader) until it drains.
 */
export class ReaderLink {
  readonly client: LlrpClient;
  private paused = false;
  private readonly counters: ReaderLinkStats = { reads: 0, deadLetters: 0, pauses: 0 };

  constructor(
    readonly readerId: string,
    options: LlrpClientOptionsInput,
    private readonly sink: LlrpReadSink,
    private readonly logger: Logger,
    deps: LlrpClientDeps = {},
  ) {
    this.client = new LlrpClient({ ...options, readerId }, { ...deps, logger });
    this.client.on('tags', (reports, receivedAtUs) => this.onTags(reports, receivedAtUs));
    this.client.on('bad-message', (error) => this.onBadMessage(error));
    this.client.on('status', (change) => this.onStatus(change));
  }

  start(): void {
    this.client.start();
  }

  stats(): ReaderLinkStats {
    return { ...this.counters };
  }

  async stop(): Promise<void> {
    await this.client.close();
  }

  private onTags(reports: TagReportData[], receivedAtUs: number): void {
    let writable = true;
    for (const trd of reports) {
      const outcome = tagReadOf(trd, receivedAtUs);
      if (outcome.kind === 'read') {
        this.counters.reads++;
        writable = this.sink.push(this.readerId, outcome.read) && writable;
      } else {
        this.counters.deadLetters++;
        writable =
          this.sink.deadLetter({
            readerId: this.readerId,
            code: outcome.error.code,
            reason: outcome.error.message,
            payload: JSON.stringify(trd, (_key, value: unknown) =>
              typeof value === 'bigint'
                ? value.toString()
                : Buffer.isBuffer(value)
                  ? value.toString('hex')
                  : value,
            ),
          }) && writable;
      }
    }
    if (!writable) this.pauseUntilWritable();
  }

  private onBadMessage(error: LlrpProtocolError): void {
    this.counters.deadLetters++;
    const writable = this.sink.deadLetter({
      readerId: this.readerId,
      code: error.code,
      reason: error.message,
      payload: JSON.stringify({
        offset: error.offset,
        messageType: error.messageType,
        messageId: error.messageId,
      }),
    });
    if (!writable) this.pauseUntilWritable();
  }

  private onStatus(change: LlrpStatusChange): void {
    switch (change.kind) {
      case 'connected':
      case 'keepalive-restored':
        this.sink.setReaderStatus(this.readerId, 'online', change.detail);
        return;
      case 'keepalive-missed':
        this.sink.setReaderStatus(this.readerId, 'degraded', `keepalive missed: ${change.detail}`);
        return;
      case 'disconnected':
        this.sink.setReaderStatus(this.readerId, 'offline', change.detail);
        return;
      case 'reconnecting':
        // Logged by the client; the status already says offline.
        return;
    }
  }

  private pauseUntilWritable(): void {
    if (this.paused) return;
    this.paused = true;
    this.counters.pauses++;
    this.client.pause();
    this.logger.info('publisher backlog full; pausing LLRP input');
    void this.sink.whenWritable().then(() => {
      this.paused = false;
      this.client.resume();
      this.logger.info('publisher backlog drained; resuming LLRP input');
    });
  }
}
