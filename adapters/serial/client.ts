import { isUtf8 } from 'node:buffer';
import { finished } from 'node:stream/promises';
import { SerialPort } from 'serialport';
import { describeError } from '../../runtime/errors.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { SerialErrorCode, SerialPortError } from './errors.js';
import { BoundedReadlineParser } from './line-reader.js';
import { watchDevicePath } from './path-watch.js';
import {
  parseSerialReaderOptions,
  type SerialReaderOptions,
  type SerialReaderOptionsInput,
} from './options.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { createLineParser, type LineParser } from './protocol/line-format.js';
import type {
  ReadSink,
  SerialDevice,
  SerialDeviceFactory,
  SerialReaderState,
  SerialReaderStats,
} from './types.js';

/** Dead letters of overlong lines keep this much of the line: enough to see what the device sent. */
const OVERLONG_PAYLOAD_BYTES = 4096;

export interface SerialReaderDeps {
  logger?: Logger;
  /** Defaults to a real `serialport` SerialPort. */
  openDevice?: SerialDeviceFactory;
  /** Reception time, for formats whose lines carry none (alien-terse); defaults to the system clock. */
  clock?: Clock;
}

export const openSerialPort: SerialDeviceFactory = (options) =>
  new SerialPort({
    path: options.path,
    baudRate: options.baudRate,
    dataBits: options.dataBits,
    stopBits: options.stopBits,
    parity: options.parity,
    rtscts: options.rtscts,
    autoOpen: false,
  });

/**
 * Reads one serial port: `\n`-terminated lines in the port's format (protocol/line-format.ts:
 * jsonl, alien-text, alien-terse, alien-custom, csv) become TagReads pushed to
 * the publisher; lines that are not reads become dead letters, and reading goes on.
 *
 * The device may disappear at any time (USB unplugged, reader power-cycled, pty closed). The
 * client then publishes `offline` and reopens the path with doubling backoff until the device is
 * back, then publishes `online`; the process never needs a restart. When the publisher's backlog
 * is over its high-water mark the client stops reading (backpressure) until it drains.
 */
export class SerialReaderClient {
  readonly readerId: string;
  private readonly options: SerialReaderOptions;
  private readonly logger: Logger;
  private readonly openDevice: SerialDeviceFactory;
  private readonly lineParser: LineParser;
  private readonly clock: Clock;
  private device: SerialDevice | undefined;
  private parser: BoundedReadlineParser | undefined;
  private state: SerialReaderState = 'connecting';
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenDelayMs: number;
  /** Whether the current outage has been reported, so a retry loop logs and publishes once. */
  private outageReported = false;
  private paused = false;
  private stopping: Promise<void> | undefined;
  /** Settles when the last parser has emitted its final line. */
  private parserEnded: Promise<void> = Promise.resolve();
  private readonly counters = {
    bytes: 0,
    lines: 0,
    blankLines: 0,
    skippedLines: 0,
    reads: 0,
    deadLetters: 0,
    opens: 0,
    disconnects: 0,
    openFailures: 0,
  };
  private lastError: string | undefined;
  private stopWatchingPath: (() => void) | undefined;
  /** Why the client closed a port itself, for the `offline` detail. */
  private goneReason: string | undefined;

  constructor(
    options: SerialReaderOptionsInput,
    private readonly sink: ReadSink,
    deps: SerialReaderDeps = {},
  ) {
    this.options = parseSerialReaderOptions(options);
    this.readerId = this.options.readerId;
    this.reopenDelayMs = this.options.reopenInitialDelayMs;
    this.logger = (deps.logger ?? createLogger('adapter-serial')).child({
      readerId: this.readerId,
      path: this.options.path,
    });
    this.openDevice = deps.openDevice ?? openSerialPort;
    this.clock = deps.clock ?? systemClock;
    // Built here so a bad format setting fails at start, naming it, not on the first line.
    this.lineParser = createLineParser(this.options);
  }

  /** Open the port (in the background; failures are retried, never thrown). */
  start(): void {
    if (this.device !== undefined || this.stopping !== undefined) return;
    this.open();
  }

  stats(): SerialReaderStats {
    return {
      readerId: this.readerId,
      path: this.options.path,
      state: this.state,
      ...this.counters,
      bytes: this.counters.bytes + (this.parser?.bytesIn ?? 0),
      paused: this.paused,
      lastError: this.lastError,
    };
  }

  /** Close the port and stop reopening. The last partial line, if any, is still handed on. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.reopenTimer);
    this.stopWatchingPath?.();
    const device = this.device;
    if (device?.isOpen) await new Promise<void>((resolve) => device.close(() => resolve()));
    else device?.destroy();
    // The close handler may have started ending the parser already; either way, wait for it.
    void this.endParser();
    await this.parserEnded;
    this.sink.setReaderStatus(this.readerId, 'offline', `port ${this.options.path} closed: adapter stopping`);
  }

  private open(): void {
    if (this.stopping !== undefined) return;
    const device = this.openDevice(this.options);
    this.device = device;
    device.on('error', (err: Error) => {
      // Read errors while open; a fatal one is followed by 'close', which reopens.
      this.lastError = describeError(err);
      this.logger.warn({ err: this.lastError }, 'serial port error');
    });
    device.on('close', (err?: Error | null) => this.onClose(device, err ?? undefined));
    // @serialport/stream ends the readable side on a 0-byte read but leaves the port open; treat
    // that as the device going away too, so it takes the usual reopen path.
    device.on('end', () => this.closeGone(device, 'end of stream'));
    device.open((err) => (err ? this.onOpenFailed(device, err) : this.onOpened(device)));
  }

  private onOpened(device: SerialDevice): void {
    if (device !== this.device) return;
    if (this.stopping !== undefined) {
      device.close();
      return;
    }
    this.counters.opens++;
    this.state = 'open';
    this.outageReported = false;
    this.reopenDelayMs = this.options.reopenInitialDelayMs;
    const parser = new BoundedReadlineParser(this.options.maxLineBytes);
    this.parser = parser;
    parser.on('data', (line: Buffer) => this.onLine(line));
    if (this.paused) parser.pause();
    device.pipe(parser);
    this.stopWatchingPath?.();
    this.stopWatchingPath = watchDevicePath(this.options.path, this.options.presenceCheckMs, (reason) =>
      this.closeGone(device, reason),
    );
    this.logger.info({ baudRate: this.options.baudRate, opens: this.counters.opens }, 'serial port open');
    this.sink.setReaderStatus(this.readerId, 'online', `port ${this.options.path} open`);
  }

  private onOpenFailed(device: SerialDevice, err: Error): void {
    if (device !== this.device) return;
    this.device = undefined;
    device.destroy();
    this.counters.openFailures++;
    const error = new SerialPortError(
      SerialErrorCode.OPEN_FAILED,
      `cannot open ${this.options.path}: ${describeError(err)}`,
      {
        readerId: this.readerId,
        path: this.options.path,
        cause: err,
      },
    );
    this.reportOutage(error);
    this.scheduleReopen();
  }

  private onClose(device: SerialDevice, err: Error | undefined): void {
    if (device !== this.device) return;
    this.device = undefined;
    this.stopWatchingPath?.();
    void this.endParser();
    if (this.stopping !== undefined) return;
    this.counters.disconnects++;
    const why = err === undefined ? this.goneReason : describeError(err);
    this.goneReason = undefined;
    const error = new SerialPortError(
      SerialErrorCode.DISCONNECTED,
      `port ${this.options.path} closed${why === undefined ? '' : `: ${why}`}`,
      { readerId: this.readerId, path: this.options.path, cause: err },
    );
    this.reportOutage(error);
    this.scheduleReopen();
  }

  private closeGone(device: SerialDevice, reason: string): void {
    if (device !== this.device || !device.isOpen || this.stopping !== undefined) return;
    this.goneReason = reason;
    device.close();
  }

  /** Log and publish `offline` once per outage, not on every retry. */
  private reportOutage(error: SerialPortError): void {
    this.lastError = error.message;
    if (this.outageReported) {
      this.logger.debug(
        { code: error.code, err: error.message, retryInMs: this.reopenDelayMs },
        'serial port still unavailable',
      );
      return;
    }
    this.outageReported = true;
    this.logger.warn(
      { code: error.code, err: error.message, retryInMs: this.reopenDelayMs },
      'serial port unavailable; reopening with backoff',
    );
    this.sink.setReaderStatus(this.readerId, 'offline', error.message);
  }

  private scheduleReopen(): void {
    this.state = 'reopening';
    const delayMs = this.reopenDelayMs;
    this.reopenDelayMs = Math.min(delayMs * 2, this.options.reopenMaxDelayMs);
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => this.open(), delayMs);
  }

  /** End the current parser so a partial last line is emitted (and read or dead-lettered). */
  private endParser(): Promise<void> {
    const parser = this.parser;
    if (parser === undefined) return this.parserEnded;
    this.parser = undefined;
    this.counters.bytes += parser.bytesIn;
    if (!parser.writableEnded) parser.end(); // the pipe ends it already when the device's stream ended
    parser.resume();
    this.parserEnded = finished(parser).catch((err: unknown) => {
      this.logger.warn({ err: describeError(err) }, 'line parser ended with an error');
    });
    return this.parserEnded;
  }

  private onLine(line: Buffer): void {
    this.counters.lines++;
    try {
      if (!this.handOn(line)) this.pauseUntilWritable();
    } catch (err) {
      // Only a bug gets here (e.g. a publisher closed before its ports). Log it loudly, but a
      // throw inside a stream's 'data' handler would take the whole adapter down with it.
      this.lastError = describeError(err);
      this.logger.error(
        { err: this.lastError, line: line.subarray(0, 200).toString('utf8') },
        'line lost: cannot hand it to the publisher',
      );
    }
  }

  /** Push the line's read or its dead letter; returns the publisher's `writable`. */
  private handOn(line: Buffer): boolean {
    if (line.length > this.options.maxLineBytes) {
      return this.refuse(
        SerialErrorCode.LINE_TOO_LONG,
        `line longer than ${this.options.maxLineBytes} bytes (payload holds its first ${OVERLONG_PAYLOAD_BYTES})`,
        line.subarray(0, OVERLONG_PAYLOAD_BYTES),
      );
    }
    if (!isUtf8(line))
      return this.refuse(SerialErrorCode.BAD_ENCODING, 'line is not valid UTF-8 (payload is base64)', line);
    const text = line.toString('utf8');
    const result = this.lineParser.parse(text, this.clock.nowUs());
    switch (result.kind) {
      case 'skip':
        // Header/footer lines of Alien notifications, CSV headers: expected, counted, not dead letters.
        if (result.reason === 'blank line') this.counters.blankLines++;
        else this.counters.skippedLines++;
        return true;
      case 'read':
        this.counters.reads++;
        return this.sink.push(this.readerId, result.read);
      case 'error':
        return this.refuse(result.error.code, result.error.message, text);
    }
  }

  private refuse(code: string, reason: string, payload: string | Buffer): boolean {
    this.counters.deadLetters++;
    // Text when the bytes are UTF-8 (readable in the dead-letter topic), else base64 (exact bytes).
    const body = typeof payload === 'string' || !isUtf8(payload) ? payload : payload.toString('utf8');
    return this.sink.deadLetter({ readerId: this.readerId, code, reason, payload: body });
  }

  private pauseUntilWritable(): void {
    if (this.paused) return;
    this.paused = true;
    this.parser?.pause();
    this.logger.info('publisher backlog full; pausing serial input');
    void this.sink.whenWritable().then(() => {
      this.paused = false;
      this.logger.info('publisher backlog drained; resuming serial input');
      this.parser?.resume();
    });
  }
}
