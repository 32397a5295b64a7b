import type { Duplex } from 'node:stream';
import {
  LlrpFrameDecoder,
  encodeMessage,
  isSuccess,
  statusCodeName,
  ParameterType,
  type LLRPStatus,
  type LlrpMessage,
  type LlrpProtocolError,
  type MessageOf,
  type ParameterError,
  type ReaderEventNotificationData,
  type TagReportData,
} from '../index.js';
import {
  LlrpClientErrorCode,
  LlrpConnectionError,
  LlrpStatusError,
  type LlrpClientError,
  type LlrpErrorLocation,
} from './errors.js';
import { PendingRequests } from './pending-requests.js';
import type { TimerHandle, Timers } from './timers.js';

/** ConnectionAttemptEvent.Status (spec §13.2.6.11). */
const CONNECTION_STATUS_NAMES: Record<number, string> = {
  0: 'Success',
  1: 'Failed_A_Reader_Initiated_Connection_Already_Exists',
  2: 'Failed_A_Client_Initiated_Connection_Already_Exists',
  3: 'Failed_Reason_Other_Than_A_Connection_Already_Exists',
  4: 'Another_Connection_Attempted',
};

/** The request → response pairs the client uses (CLOSE_CONNECTION's is 4, not 24: reference §2). */
const RESPONSE_OF = {
  IMPINJ_ENABLE_EXTENSIONS: 'IMPINJ_ENABLE_EXTENSIONS_RESPONSE',
  SET_READER_CONFIG: 'SET_READER_CONFIG_RESPONSE',
  ADD_ROSPEC: 'ADD_ROSPEC_RESPONSE',
  DELETE_ROSPEC: 'DELETE_ROSPEC_RESPONSE',
  START_ROSPEC: 'START_ROSPEC_RESPONSE',
  STOP_ROSPEC: 'STOP_ROSPEC_RESPONSE',
  ENABLE_ROSPEC: 'ENABLE_ROSPEC_RESPONSE',
  DISABLE_ROSPEC: 'DISABLE_ROSPEC_RESPONSE',
  DELETE_ACCESSSPEC: 'DELETE_ACCESSSPEC_RESPONSE',
  GET_READER_CAPABILITIES: 'GET_READER_CAPABILITIES_RESPONSE',
  GET_READER_CONFIG: 'GET_READER_CONFIG_RESPONSE',
  CLOSE_CONNECTION: 'CLOSE_CONNECTION_RESPONSE',
} as const;
export type LlrpRequestType = keyof typeof RESPONSE_OF;
type RequestOf<T extends LlrpRequestType> = Omit<MessageOf<T>, 'id'>;
type ResponseOf<T extends LlrpRequestType> = MessageOf<(typeof RESPONSE_OF)[T]>;

/** What a connection tells its owner. Reports and events may come in any state (spec §18). */
export interface ConnectionEvents {
  /** TagReportData of one RO_ACCESS_REPORT, with the reception time (µs, client clock). */
  onTagReports(reports: TagReportData[], message: MessageOf<'RO_ACCESS_REPORT'>): void;
  /** A READER_EVENT_NOTIFICATION after the connection event. */
  onReaderEvent(data: ReaderEventNotificationData): void;
  /** A message that could not be decoded (skipped by its length; the stream goes on). */
  onBadMessage(error: LlrpProtocolError, frame: Buffer | undefined): void;
  /** A message nobody asked for and the client has no use for (late response, ERROR_MESSAGE…). */
  onUnexpected(message: LlrpMessage): void;
  /** Silence passed one keepalive period (+50 %): `true`; data flows again: `false`. */
  onKeepaliveLate(late: boolean, silentMs: number): void;
  /** The connection is gone (reader closed, socket error, keepalive loss, protocol error). */
  onClosed(error: LlrpConnectionError): void;
}

export interface ConnectionSettings {
  readerId: string;
  responseTimeoutMs: number;
  maxMessageBytes: number;
}

/**
 * One LLRP connection to one reader: framing, Message ID correlation, KEEPALIVE_ACK, the
 * keepalive watchdog, and the connection-event handshake. No reconnects here: the client makes a
 * new LlrpConnection for each attempt.
 *
 * Every incoming message goes through one dispatcher in this order, whatever the state: KEEPALIVE
 * (answered at once, as sllurp and LTK-Java do), the response a request waits for (by Message ID),
 * RO_ACCESS_REPORT, READER_EVENT_NOTIFICATION, then anything else as unexpected.
 */
export class LlrpConnection {
  private readonly decoder: LlrpFrameDecoder;
  private readonly pending: PendingRequests<LlrpMessage>;
  private nextId = 1;
  private lastDataMs: number;
  private watchdog: TimerHandle | undefined;
  private keepaliveMs = 0;
  private missFactor = 3;
  private late = false;
  private paused = false;
  private closedWith: LlrpConnectionError | undefined;
  private connectionEvent:
    | { resolve: (status: number) => void; reject: (err: LlrpConnectionError) => void; timer: TimerHandle }
    | undefined;
  private readerClosing = false;
  keepalivesReceived = 0;
  messagesReceived = 0;

  constructor(
    private readonly stream: Duplex,
    private readonly settings: ConnectionSettings,
    private readonly events: ConnectionEvents,
    private readonly timers: Timers,
  ) {
    this.decoder = new LlrpFrameDecoder({ maxMessageBytes: settings.maxMessageBytes });
    this.pending = new PendingRequests(timers, 'ERROR_MESSAGE');
    this.lastDataMs = timers.nowMs();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err: Error) =>
      this.fail(
        new LlrpConnectionError(LlrpClientErrorCode.DISCONNECTED, `connection error: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    stream.on('close', () =>
      this.fail(
        new LlrpConnectionError(
          LlrpClientErrorCode.DISCONNECTED,
          this.readerClosing ? 'reader closed the connection (ConnectionCloseEvent)' : 'connection closed',
        ),
      ),
    );
    // A half-closed stream (FIN from the reader) is a closed connection for LLRP.
    stream.on('end', () => stream.destroy());
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /**
   * Wait for the reader's READER_EVENT_NOTIFICATION with ConnectionAttemptEvent (spec §18.1: the
   * client SHALL NOT send anything before it). Rejects when the reader refuses us (status ≠ 0) or
   * says nothing within `timeoutMs`.
   */
  awaitConnectionEvent(timeoutMs: number): Promise<void> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    return new Promise<number>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.fail(
          new LlrpConnectionError(
            LlrpClientErrorCode.CONNECT_FAILED,
            `no READER_EVENT_NOTIFICATION (ConnectionAttemptEvent) within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.connectionEvent = { resolve, reject, timer };
    }).then((status) => {
      if (status === 0) return;
      const error = new LlrpConnectionError(
        LlrpClientErrorCode.CONNECTION_REFUSED,
        `reader ${this.settings.readerId} refused the connection: ConnectionAttemptEvent ` +
          `${CONNECTION_STATUS_NAMES[status] ?? 'Unknown'} (${status})`,
        { connectionAttemptStatus: status },
      );
      this.fail(error);
      throw error;
    });
  }

  /**
   * Send a request and wait for its response (matched by Message ID). A non-success LLRPStatus
   * becomes an LlrpStatusError naming the status and the field; ERROR_MESSAGE too.
   */
  async request<T extends LlrpRequestType>(request: RequestOf<T> & { type: T }): Promise<ResponseOf<T>> {
    if (this.closedWith !== undefined) throw this.closedWith;
    const id = this.takeId();
    const answer = this.pending.wait(
      id,
      request.type,
      RESPONSE_OF[request.type],
      this.settings.responseTimeoutMs,
    );
    this.send({ ...request, id } as LlrpMessage);
    const response = await answer;
    if (!('llrpStatus' in response)) throw new Error(`${response.type} has no LLRPStatus`);
    if (response.type === 'ERROR_MESSAGE' || !isSuccess(response.llrpStatus))
      throw statusError(this.settings.readerId, request.type, id, response.llrpStatus);
    return response as ResponseOf<T>;
  }

  /**
   * Watch for silence: no byte for `missFactor × periodMs` closes the connection (KEEPALIVE_MISSED).
   * Any byte counts, not only KEEPALIVE: a reader busy sending reports is alive.
   */
  startWatchdog(periodMs: number, missFactor: number): void {
    this.keepaliveMs = periodMs;
    this.missFactor = missFactor;
    this.lastDataMs = this.timers.nowMs();
    if (periodMs > 0) this.armWatchdog(periodMs);
  }

  /** Stop reading (publisher backpressure); the watchdog pauses too. */
  pause(): void {
    this.paused = true;
    this.stream.pause();
  }

  resume(): void {
    this.paused = false;
    this.lastDataMs = this.timers.nowMs();
    this.stream.resume();
  }

  /** End the TCP connection (FIN) and wait up to `timeoutMs` for it to close, then destroy it. */
  async end(timeoutMs: number): Promise<void> {
    if (this.stream.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = this.timers.setTimeout(() => {
        this.stream.destroy();
        resolve();
      }, timeoutMs);
      this.stream.once('close', () => {
        this.timers.clearTimeout(timer);
        resolve();
      });
      this.stream.end();
      this.stream.resume(); // read until the reader's FIN
    });
  }

  destroy(error: LlrpConnectionError): void {
    this.fail(error);
  }

  private takeId(): number {
    const id = this.nextId;
    // Message IDs are u32 and local to the connection (spec §16.1.1); 0 is left to the reader.
    this.nextId = id >= 0xffff_ffff ? 1 : id + 1;
    return id;
  }

  private send(message: LlrpMessage): void {
    if (this.stream.destroyed) return;
    this.stream.write(encodeMessage(message));
  }

  private onData(chunk: Buffer): void {
    this.lastDataMs = this.timers.nowMs();
    if (this.late) {
      this.late = false;
      this.events.onKeepaliveLate(false, 0);
    }
    for (const result of this.decoder.push(chunk)) {
      if (this.closedWith !== undefined) return;
      if (result.ok) {
        this.messagesReceived++;
        this.dispatch(result.message);
      } else if (result.error.fatal) {
        this.fail(
          new LlrpConnectionError(
            LlrpClientErrorCode.PROTOCOL,
            `cannot frame the reader's stream: ${result.error.message}`,
            {
              cause: result.error,
            },
          ),
        );
      } else {
        this.events.onBadMessage(result.error, undefined);
      }
    }
  }

  private dispatch(message: LlrpMessage): void {
    switch (message.type) {
      case 'KEEPALIVE':
        this.keepalivesReceived++;
        // Echo its ID, as edgex does; readers accept any (reference §4.3).
        this.send({ type: 'KEEPALIVE_ACK', id: message.id });
        return;
      case 'RO_ACCESS_REPORT':
        this.events.onTagReports(message.tagReportData ?? [], message);
        return;
      case 'READER_EVENT_NOTIFICATION':
        this.onReaderEvent(message.readerEventNotificationData);
        return;
      default:
        if (!this.pending.settle(message)) this.events.onUnexpected(message);
    }
  }

  private onReaderEvent(data: ReaderEventNotificationData): void {
    const attempt = data.connectionAttemptEvent;
    if (attempt !== undefined && this.connectionEvent !== undefined) {
      const { resolve, timer } = this.connectionEvent;
      this.connectionEvent = undefined;
      this.timers.clearTimeout(timer);
      resolve(attempt.status);
      return;
    }
    // The reader announces it is closing (spec §18.1); 'close' follows.
    if (data.connectionCloseEvent !== undefined) this.readerClosing = true;
    this.events.onReaderEvent(data);
  }

  private armWatchdog(delayMs: number): void {
    this.timers.clearTimeout(this.watchdog);
    this.watchdog = this.timers.setTimeout(() => this.checkSilence(), delayMs);
  }

  private checkSilence(): void {
    if (this.closedWith !== undefined) return;
    const period = this.keepaliveMs;
    if (this.paused) {
      this.armWatchdog(period);
      return;
    }
    const silentMs = this.timers.nowMs() - this.lastDataMs;
    const limitMs = period * this.missFactor;
    if (silentMs >= limitMs) {
      this.fail(
        new LlrpConnectionError(
          LlrpClientErrorCode.KEEPALIVE_MISSED,
          `no data from reader ${this.settings.readerId} for ${Math.round(silentMs)} ms ` +
            `(${this.missFactor} keepalive periods of ${period} ms)`,
        ),
      );
      return;
    }
    if (!this.late && silentMs >= period * 1.5) {
      this.late = true;
      this.events.onKeepaliveLate(true, silentMs);
    }
    // Check again at half a period, or exactly when the limit falls due.
    this.armWatchdog(Math.max(1, Math.min(period / 2, limitMs - silentMs)));
  }

  private fail(error: LlrpConnectionError): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = error;
    this.timers.clearTimeout(this.watchdog);
    if (this.connectionEvent !== undefined) {
      this.timers.clearTimeout(this.connectionEvent.timer);
      this.connectionEvent.reject(error);
      this.connectionEvent = undefined;
    }
    this.pending.failAll(error);
    this.decoder.reset();
    if (!this.stream.destroyed) this.stream.destroy();
    this.events.onClosed(error);
  }
}

/** A non-success LLRPStatus (or ERROR_MESSAGE) as an LlrpStatusError naming the field. */
export function statusError(
  readerId: string,
  request: string,
  messageId: number,
  status: LLRPStatus,
): LlrpStatusError {
  return new LlrpStatusError({
    readerId,
    request,
    messageId,
    statusCode: status.statusCode,
    statusName: statusCodeName(status.statusCode),
    description: status.errorDescription,
    location: locate(status),
  });
}

const PARAMETER_NAMES = new Map<number, string>(
  Object.entries(ParameterType as Record<string, number>).map(([name, code]) => [code, name]),
);

function locate(status: LLRPStatus): LlrpErrorLocation {
  const location: LlrpErrorLocation = {};
  if (status.fieldError !== undefined) {
    location.fieldNum = status.fieldError.fieldNum;
    location.fieldErrorCode = status.fieldError.errorCode;
    location.fieldErrorName = statusCodeName(status.fieldError.errorCode);
  }
  // ParameterError nests (a parameter inside a parameter): the innermost names the culprit.
  const path: string[] = [];
  let inner: ParameterError | undefined = status.parameterError;
  let innermost: ParameterError | undefined;
  while (inner !== undefined) {
    path.push(`${PARAMETER_NAMES.get(inner.parameterType) ?? 'Parameter'}(${inner.parameterType})`);
    innermost = inner;
    inner = inner.parameterError;
  }
  if (innermost !== undefined) {
    location.parameterType = innermost.parameterType;
    location.parameterName =
      PARAMETER_NAMES.get(innermost.parameterType) ?? `Parameter_${innermost.parameterType}`;
    location.parameterErrorCode = innermost.errorCode;
    location.parameterErrorName = statusCodeName(innermost.errorCode);
    location.path = path.join(' > ');
    if (innermost.fieldError !== undefined) {
      location.fieldNum = innermost.fieldError.fieldNum;
      location.fieldErrorCode = innermost.fieldError.errorCode;
      location.fieldErrorName = statusCodeName(innermost.fieldError.errorCode);
    }
  }
  return location;
}

export type { LlrpClientError };
