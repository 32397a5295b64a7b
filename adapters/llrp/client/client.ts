import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../../../runtime/clock.js';
import { describeError } from '../../../runtime/errors.js';
import { createLogger, type Logger } from '../../../runtime/logger.js';
import type {
  LlrpMessage,
  LlrpProtocolError,
  MessageOf,
  ReaderEventNotificationData,
  TagReportData,
} from '../index.js';
import { Backoff } from './backoff.js';
import { LlrpConnection } from './connection.js';
import { LlrpClientErrorCode, LlrpConnectionError, type LlrpClientError } from './errors.js';
import { parseLlrpClientOptions, type LlrpClientOptions, type LlrpClientOptionsInput } from './options.js';
import { roReportSpec, roSpec, setReaderConfigMessage } from './reader-setup.js';
import { systemTimers, type Timers } from './timers.js';
import { openTcp, type OpenTransport } from './transport.js';
import type { LlrpClientState, LlrpClientStats, LlrpStatusChange } from './types.js';

export interface LlrpClientDeps {
  logger?: Logger;
  /** Timers for timeouts, the keepalive watchdog and backoff (ManualTimers in unit tests). */
  timers?: Timers;
  /** Reception time of reads without a UTC timestamp. */
  clock?: Clock;
  /** Jitter of the reconnect backoff, in [0, 1). */
  random?: () => number;
  /** Defaults to TCP. */
  openTransport?: OpenTransport;
}

/** Events of an LlrpClient (Node EventEmitter). */
export interface LlrpClientEvents {
  /** The TagReportData of one RO_ACCESS_REPORT, and when it arrived (µs, `clock`). */
  tags: [reports: TagReportData[], receivedAtUs: number, message: MessageOf<'RO_ACCESS_REPORT'>];
  /** connected / disconnected / keepalive-missed / keepalive-restored / reconnecting. */
  status: [change: LlrpStatusChange];
  /** Every READER_EVENT_NOTIFICATION after the connection event (ROSpec start/end, antennas…). */
  'reader-event': [data: ReaderEventNotificationData];
  /** A message skipped because it could not be decoded; the connection goes on. */
  'bad-message': [error: LlrpProtocolError];
  /** Setup or connection failures (also reported through `status`); never fatal to the client. */
  error: [error: LlrpClientError];
}

/**
 * An LLRP client for one reader (spec 1.0.1 §18, reference §4): connect, wait for the reader's
 * ConnectionAttemptEvent, reset (DELETE_ACCESSSPEC 0, DELETE_ROSPEC 0), optionally enable Impinj
 * extensions, SET_READER_CONFIG (events, keepalive), ADD → ENABLE → START the ROSpec, then stream
 * tag reports. Reconnects with capped, jittered exponential backoff after a drop, a refusal, a
 * failed setup or a missed keepalive, until close(): STOP_ROSPEC, CLOSE_CONNECTION, FIN.
 *
 *   connecting ─▶ awaiting-event ─▶ configuring ─▶ inventorying
 *        ▲               │                │              │  (drop / keepalive missed / error)
 *        └── reconnecting ◀───────────────┴──────────────┘
 *   close(): any state ─▶ closing ─▶ closed
 */
export class LlrpClient extends EventEmitter<LlrpClientEvents> {
  readonly options: LlrpClientOptions;
  readonly readerId: string;
  private readonly logger: Logger;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly openTransport: OpenTransport;
  private readonly backoff: Backoff;
  private state: LlrpClientState = 'idle';
  private connection: LlrpConnection | undefined;
  private reconnectTimer: ReturnType<Timers['setTimeout']> | undefined;
  private closing: Promise<void> | undefined;
  private paused = false;
  private lastError: string | undefined;
  private readonly counters = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    keepaliveLosses: 0,
    reports: 0,
    tags: 0,
    badMessages: 0,
    unexpected: 0,
  };

  constructor(options: LlrpClientOptionsInput, deps: LlrpClientDeps = {}) {
    super();
    this.options = parseLlrpClientOptions(options);
    this.readerId = this.options.readerId ?? `${this.options.host}:${this.options.port}`;
    this.logger = (deps.logger ?? createLogger('llrp-client')).child({
      readerId: this.readerId,
      reader: `${this.options.host}:${this.options.port}`,
    });
    this.timers = deps.timers ?? systemTimers;
    this.clock = deps.clock ?? systemClock;
    this.openTransport = deps.openTransport ?? openTcp;
    this.backoff = new Backoff(this.options.reconnectInitialMs, this.options.reconnectMaxMs, deps.random);
    // 'error' without a listener would throw; errors are also in status changes and logs.
    this.on('error', () => undefined);
  }

  get currentState(): LlrpClientState {
    return this.state;
  }

  /** Connect in the background; failures are retried, never thrown. */
  start(): void {
    if (this.state !== 'idle') return;
    void this.attempt();
  }

  /** Stop reading from the reader (publisher backpressure) until resume(). */
  pause(): void {
    this.paused = true;
    this.connection?.pause();
  }

  resume(): void {
    this.paused = false;
    this.connection?.resume();
  }

  stats(): LlrpClientStats {
    return {
      readerId: this.readerId,
      address: `${this.options.host}:${this.options.port}`,
      state: this.state,
      ...this.counters,
      reconnectAttempts: this.backoff.attempts,
      paused: this.paused,
      lastError: this.lastError,
    };
  }

  /**
   * Stop inventory and close the connection politely: STOP_ROSPEC, CLOSE_CONNECTION (waits for
   * CLOSE_CONNECTION_RESPONSE up to closeTimeoutMs), then FIN. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const wasConnected = this.state === 'inventorying';
    // Closing mid-setup: START_ROSPEC may already be on its way, so stop the spec in any case.
    const mayBeRunning = wasConnected || this.state === 'configuring';
    this.state = 'closing';
    this.timers.clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    if (connection !== undefined && !connection.closed) {
      const budgetMs = this.options.closeTimeoutMs;
      try {
        if (mayBeRunning)
          await connection
            .request({ type: 'STOP_ROSPEC', roSpecId: this.options.rospecId })
            .catch((err: unknown) => {
              this.logger.debug({ err: describeError(err) }, 'STOP_ROSPEC on close failed');
            });
        await connection.request({ type: 'CLOSE_CONNECTION' });
      } catch (err) {
        this.logger.debug({ err: describeError(err) }, 'CLOSE_CONNECTION failed; ending the socket anyway');
      }
      await connection.end(budgetMs);
      connection.destroy(new LlrpConnectionError(LlrpClientErrorCode.CLOSED, 'client closed'));
    }
    this.state = 'closed';
    if (wasConnected) this.emitStatus({ kind: 'disconnected', detail: 'client closed the connection' });
    this.logger.info(this.counters, 'llrp client closed');
  }

  /** One connection attempt: connect, handshake, configure, then inventory until it breaks. */
  private async attempt(): Promise<void> {
    if (this.closing !== undefined) return;
    this.state = 'connecting';
    let stream: Duplex;
    try {
      stream = await this.withTimeout(
        this.openTransport(this.options.host, this.options.port),
        this.options.connectTimeoutMs,
        `TCP connect to ${this.options.host}:${this.options.port}`,
      );
    } catch (err) {
      this.onAttemptFailed(
        new LlrpConnectionError(
          LlrpClientErrorCode.CONNECT_FAILED,
          `cannot connect to ${this.options.host}:${this.options.port}: ${describeError(err)}`,
          { cause: err },
        ),
        false,
      );
      return;
    }
    if (this.closing !== undefined) {
      stream.destroy();
      return;
    }
    let configured = false;
    const connection = new LlrpConnection(
      stream,
      {
        readerId: this.readerId,
        responseTimeoutMs: this.options.responseTimeoutMs,
        maxMessageBytes: this.options.maxMessageBytes,
      },
      {
        onTagReports: (reports, message) => this.onTagReports(reports, message),
        onReaderEvent: (data) => this.emit('reader-event', data),
        onBadMessage: (error) => {
          this.counters.badMessages++;
          this.logger.warn({ code: error.code, err: error.message }, 'undecodable LLRP message skipped');
          this.emit('bad-message', error);
        },
        onUnexpected: (message) => this.onUnexpected(message),
        onKeepaliveLate: (late, silentMs) => {
          if (this.state !== 'inventorying') return;
          this.emitStatus(
            late
              ? { kind: 'keepalive-missed', detail: `no KEEPALIVE for ${Math.round(silentMs)} ms` }
              : { kind: 'keepalive-restored', detail: 'reader answers again' },
          );
        },
        onClosed: (error) => {
          if (connection !== this.connection || this.closing !== undefined) return;
          this.onAttemptFailed(error, configured);
        },
      },
      this.timers,
    );
    this.connection = connection;
    if (this.paused) connection.pause();
    try {
      this.state = 'awaiting-event';
      await connection.awaitConnectionEvent(this.options.connectTimeoutMs);
      this.state = 'configuring';
      await this.configure(connection);
      if (this.closing !== undefined) return;
      configured = true;
      this.counters.connects++;
      this.backoff.reset();
      this.state = 'inventorying';
      this.lastError = undefined;
      this.logger.info(
        { rospecId: this.options.rospecId, connects: this.counters.connects },
        'llrp inventory running',
      );
      this.emitStatus({
        kind: 'connected',
        detail: `inventory running on ${this.options.host}:${this.options.port}`,
      });
    } catch (err) {
      if (this.closing !== undefined || connection !== this.connection) return;
      const error =
        err instanceof LlrpConnectionError
          ? err
          : new LlrpConnectionError(LlrpClientErrorCode.DISCONNECTED, `setup failed: ${describeError(err)}`, {
              cause: err,
            });
      if (!(err instanceof LlrpConnectionError)) this.emit('error', err as LlrpClientError);
      // Destroying reports through onClosed → onAttemptFailed (once).
      connection.destroy(error);
    }
  }

  /** Reset the reader to a known state, then configure and start our ROSpec (reference §4.2). */
  private async configure(connection: LlrpConnection): Promise<void> {
    const o = this.options;
    if (o.impinjExtensions) await connection.request({ type: 'IMPINJ_ENABLE_EXTENSIONS' });
    // Readers keep specs across connections; re-adding an existing ID fails (reference §6 pitfall 8).
    await connection.request({ type: 'DELETE_ACCESSSPEC', accessSpecId: 0 });
    await connection.request({ type: 'DELETE_ROSPEC', roSpecId: 0 });
    const { id: _id, ...config } = setReaderConfigMessage(0, o.keepaliveMs, roReportSpec(o));
    await connection.request(config);
    connection.startWatchdog(o.keepaliveMs, o.keepaliveMissFactor);
    await connection.request({ type: 'ADD_ROSPEC', roSpec: roSpec(o) });
    await connection.request({ type: 'ENABLE_ROSPEC', roSpecId: o.rospecId });
    await connection.request({ type: 'START_ROSPEC', roSpecId: o.rospecId });
  }

  private onTagReports(reports: TagReportData[], message: MessageOf<'RO_ACCESS_REPORT'>): void {
    this.counters.reports++;
    this.counters.tags += reports.length;
    if (reports.length === 0) return; // empty reports are legal (Zebra FX9600, reference §6 pitfall 10)
    this.emit('tags', reports, this.clock.nowUs(), message);
  }

  private onUnexpected(message: LlrpMessage): void {
    this.counters.unexpected++;
    if (message.type === 'ERROR_MESSAGE') {
      this.logger.warn(
        {
          id: message.id,
          statusCode: message.llrpStatus.statusCode,
          description: message.llrpStatus.errorDescription,
        },
        'reader sent ERROR_MESSAGE',
      );
      return;
    }
    this.logger.debug({ type: message.type, id: message.id }, 'unexpected LLRP message ignored');
  }

  private onAttemptFailed(error: LlrpConnectionError, wasConnected: boolean): void {
    if (this.closing !== undefined) return;
    this.connection = undefined;
    this.lastError = error.message;
    if (wasConnected) {
      this.counters.disconnects++;
      if (error.code === LlrpClientErrorCode.KEEPALIVE_MISSED) this.counters.keepaliveLosses++;
      this.logger.warn({ code: error.code, err: error.message }, 'llrp connection lost');
      this.emitStatus({ kind: 'disconnected', detail: error.message, code: error.code });
    } else {
      this.counters.connectFailures++;
      this.logger.warn({ code: error.code, err: error.message }, 'llrp connection attempt failed');
      if (this.counters.connectFailures === 1 || this.backoff.attempts === 0)
        this.emitStatus({ kind: 'disconnected', detail: error.message, code: error.code });
    }
    this.emit('error', error);
    const delayMs = this.backoff.next();
    this.state = 'reconnecting';
    this.emitStatus({ kind: 'reconnecting', detail: `reconnecting in ${delayMs} ms`, delayMs });
    this.reconnectTimer = this.timers.setTimeout(() => void this.attempt(), delayMs);
  }

  private emitStatus(change: LlrpStatusChange): void {
    this.emit('status', change);
  }

  /** `promise`, or a rejection after `ms`; a stream that connects after that is destroyed. */
  private withTimeout(promise: Promise<Duplex>, ms: number, what: string): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      let timedOut = false;
      const timer = this.timers.setTimeout(() => {
        timedOut = true;
        reject(new Error(`${what}: no answer within ${ms} ms`));
      }, ms);
      promise.then(
        (value) => {
          this.timers.clearTimeout(timer);
          if (timedOut) value.destroy();
          else resolve(value);
        },
        (err: unknown) => {
          this.timers.clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }
}
