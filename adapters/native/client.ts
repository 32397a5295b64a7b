import type { Logger } from '../../runtime/logger.js';
import { StreamParser, type PositionedOutcome } from '../formats/index.js';
import type { ReadSink } from '../serial/index.js';
import { NativeErrorCode } from './errors.js';
import { SequenceGapDetector } from './sequence-gaps.js';
import type { NativeReaderOptions } from './options.js';
import type { NativeReaderStats } from './types.js';

/** Dead letters keep at most this much of a refused document. */
const DEAD_LETTER_PAYLOAD_CHARS = 16_384;

/**
 * One reader that pushes its own payloads: whatever transport brings them (an HTTP body, an NDJSON
 * stream, an MQTT message), the text goes through the format's parser and each outcome to the
 * publisher — reads pushed, refused elements dead-lettered with their reason, heartbeats counted.
 * Zebra `eventNum` jumps are logged (BT_NATIVE_SEQUENCE_GAP) and counted in stats.
 */
export class NativeReaderClient {
  readonly readerId: string;
  private readonly gaps = new SequenceGapDetector();
  private readonly counters = {
    documents: 0,
    reads: 0,
    skipped: 0,
    deadLetters: 0,
    sequenceGaps: 0,
    missingEvents: 0,
  };

  constructor(
    readonly options: NativeReaderOptions,
    private readonly sink: ReadSink,
    private readonly logger: Logger,
    private readonly maxDocumentChars: number,
  ) {
    this.readerId = options.readerId;
  }

  /** A parser for one stream (HTTP request); feed it with `handle(parser.push(chunk))`. */
  newStream(): StreamParser {
    return new StreamParser({ format: this.options.format, maxDocumentChars: this.maxDocumentChars });
  }

  /**
   * One complete MQTT message as received. One over the size limit is refused unparsed
   * (BT_NATIVE_PAYLOAD_TOO_LARGE, its head kept in the dead letter): parsing it would hold the
   * whole of it, and more, in memory. Returns the publisher's `writable`.
   */
  handlePayload(payload: Buffer): boolean {
    if (payload.length <= this.maxDocumentChars) return this.handleMessage(payload.toString('utf8'));
    this.counters.documents++;
    this.counters.deadLetters++;
    return this.sink.deadLetter({
      readerId: this.readerId,
      code: NativeErrorCode.PAYLOAD_TOO_LARGE,
      reason: `payload of ${payload.length} bytes exceeds the limit of ${this.maxDocumentChars} bytes (maxDocumentBytes)`,
      payload: payload.subarray(0, DEAD_LETTER_PAYLOAD_CHARS).toString('utf8'),
    });
  }

  /** One complete message (MQTT). Returns the publisher's `writable`. */
  handleMessage(text: string): boolean {
    const parser = this.newStream();
    return this.handle([...parser.push(text), ...parser.end()]);
  }

  /** Hand outcomes on; returns false when the publisher asks the transport to pause. */
  handle(outcomes: PositionedOutcome[]): boolean {
    let writable = true;
    let lastPosition = -1;
    for (const { outcome, position, input } of outcomes) {
      if (position !== lastPosition) this.counters.documents++;
      lastPosition = position;
      switch (outcome.kind) {
        case 'read':
          this.counters.reads++;
          if (outcome.sequence !== undefined) this.checkSequence(outcome.sequence);
          writable = this.sink.push(this.readerId, outcome.read) && writable;
          break;
        case 'skip':
          this.counters.skipped++;
          break;
        case 'error':
          this.counters.deadLetters++;
          writable =
            this.sink.deadLetter({
              readerId: this.readerId,
              code: outcome.error.code,
              reason: outcome.error.message,
              payload: (outcome.payload ?? input).slice(0, DEAD_LETTER_PAYLOAD_CHARS),
            }) && writable;
          break;
      }
    }
    return writable;
  }

  stats(): NativeReaderStats {
    return { readerId: this.readerId, ...this.counters };
  }

  private checkSequence(sequence: number): void {
    const check = this.gaps.check(this.readerId, sequence);
    if (check.kind === 'gap') {
      this.counters.sequenceGaps++;
      this.counters.missingEvents += check.missing;
      this.sink.setSequenceGaps?.(this.readerId, {
        sequenceGaps: this.counters.sequenceGaps,
        missingEvents: this.counters.missingEvents,
      });
      this.logger.warn(
        {
          code: 'BT_NATIVE_SEQUENCE_GAP',
          readerId: this.readerId,
          expected: check.expected,
          got: check.got,
          missing: check.missing,
        },
        'reader event counter jumped: events lost before they reached the adapter',
      );
    } else if (check.kind === 'reset') {
      this.logger.info(
        { readerId: this.readerId, previous: check.previous, got: check.got },
        'reader event counter restarted',
      );
    }
  }
}
