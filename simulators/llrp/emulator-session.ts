import type { Socket } from 'node:net';
import {
  LlrpFrameDecoder,
  StatusCode,
  encodeMessage,
  makeStatus,
  type AISpec,
  type LLRPStatus,
  type LlrpMessage,
  type MessageOf,
  type ReaderEventNotificationData,
  type ROReportSpec,
  type ROSpec,
  type TagReportData,
} from '../../adapters/llrp/index.js';
import type { TagRead } from '../../schemas/index.js';
import type { Refusal, RoSpecTable } from './rospec-table.js';
import { garbageTagReportData, reportContentOf, tagReportDataOf } from './tag-report-builder.js';
import { WireWriter, type WireShape } from './wire-writer.js';

/** A tag in the field: a read, or (fault injection) a TagReportData no adapter can read. */
export const GARBAGE = Object.freeze({ garbage: true as const });
export type FieldEntry = TagRead | typeof GARBAGE;

/** What a session shares with its emulator: state that outlives a connection (reader memory). */
export interface EmulatorCore {
  readonly readerId: string;
  readonly rospecs: RoSpecTable<ROSpec>;
  /** The reader's UTC clock, µs. */
  nowUs(): number;
  wireShape(): WireShape;
  /** Whether periodic KEEPALIVEs are sent (fault injection turns them off). */
  keepalivesEnabled(): boolean;
  /** Tags in the field not yet in a report, oldest first. */
  takeField(max: number): FieldEntry[];
  returnToField(entries: FieldEntry[]): void;
  /** Reads (and garbage entries) written to the wire in RO_ACCESS_REPORTs. */
  recordSent(reads: TagRead[], garbage: number): void;
  nextMessageId(): number;
  onSessionClosed(session: EmulatorSession): void;
}

/** TagReportData per RO_ACCESS_REPORT at most: reports stay a few kB, like golemu's one-PDU cap. */
const MAX_TAGS_PER_REPORT = 100;
const MAX_MESSAGE_BYTES = 1_048_576;

/**
 * One client connection of the emulated reader (spec 1.0.1 §18.1): the connection event on
 * accept, every request answered with the request's Message ID, ROSpec life cycle through the
 * shared RoSpecTable, RO_ACCESS_REPORTs while a ROSpec is Active (every N tags and/or at the end of
 * each AISpec Duration), KEEPALIVE per KeepaliveSpec, ERROR_MESSAGE for what it does not support.
 */
export class EmulatorSession {
  private readonly writer: WireWriter;
  private readonly decoder = new LlrpFrameDecoder({ maxMessageBytes: MAX_MESSAGE_BYTES });
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private keepaliveMs = 0;
  private aiSpecTimer: NodeJS.Timeout | undefined;
  private impinjExtensions = false;
  private readerConfigReportSpec: ROReportSpec | undefined;
  private readonly eventsOn = new Set<number>([2]);
  /** Reads taken from the field for the running ROSpec, not yet reported. */
  private pending: FieldEntry[] = [];
  private hung = false;
  private ended = false;
  keepaliveAcks = 0;
  requests = 0;

  constructor(
    readonly socket: Socket,
    private readonly core: EmulatorCore,
  ) {
    this.writer = new WireWriter(socket, () => core.wireShape());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => this.onClose());
    socket.on('end', () => socket.end());
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Spec §18.1: the first message on every connection is the connection event. */
  async greet(status = 0): Promise<void> {
    await this.sendEvent({ connectionAttemptEvent: { type: 'ConnectionAttemptEvent', status } });
  }

  /** Tell this (established) client that someone else tried to connect (status 4). */
  notifyAnotherAttempt(): void {
    if (!this.hung) void this.greet(4);
  }

  /** Refuse this connection (a client is already connected, status 2) and close it. */
  async refuse(): Promise<void> {
    await this.greet(2);
    await this.writer.drained();
    this.socket.end();
  }

  /** Fault injection: stop reading, answering and sending anything; keep the TCP connection open. */
  hang(): void {
    this.hung = true;
    this.stopTimers();
  }

  /**
   * Fault injection: cut the connection without a goodbye. What was already queued is handed to
   * the socket first, so "sent" keeps meaning "written to TCP".
   */
  async drop(): Promise<void> {
    await this.writer.drained();
    this.socket.destroy();
  }

  /** Reader-initiated close (spec §18.1): ConnectionCloseEvent, then FIN. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.stopTimers();
    // Reads not yet reported stay in the field for the next connection.
    this.flushReports();
    if (!this.hung) await this.sendEvent({ connectionCloseEvent: { type: 'ConnectionCloseEvent' } });
    await this.writer.drained();
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      const timer = setTimeout(() => this.socket.destroy(), 2_000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  /** New tags are in the field (or a ROSpec just started): move them into reports. */
  pump(): void {
    if (this.hung || this.ended) return;
    const active = this.activeSpec();
    if (active === undefined) return;
    const { n } = this.reportSpecOf(active);
    // Hold at most 10 reports' worth: the rest stays in the field (memory stays bounded).
    for (;;) {
      const room = MAX_TAGS_PER_REPORT * 10 - this.pending.length;
      const taken = room > 0 ? this.core.takeField(room) : [];
      this.pending.push(...taken);
      const before = this.pending.length;
      while (n > 0 && this.pending.length >= n) this.sendReport(n);
      if (taken.length === 0 || this.pending.length === before) return;
    }
  }

  private onData(chunk: Buffer): void {
    if (this.hung) return;
    for (const result of this.decoder.push(chunk)) {
      if (result.ok) {
        this.requests++;
        this.handle(result.message);
      } else if (result.error.fatal) {
        this.socket.destroy();
        return;
      } else if (result.error.messageId !== undefined) {
        // A message we could frame but not decode: say so with its Message ID (spec §14.1.5).
        const code =
          result.error.code === 'BT_LLRP_UNSUPPORTED_VERSION'
            ? StatusCode.M_UnsupportedVersion
            : StatusCode.M_ParameterError;
        this.errorMessage(result.error.messageId, code, result.error.message);
      }
    }
  }

  private handle(message: LlrpMessage): void {
    const id = message.id;
    const table = this.core.rospecs;
    if (message.version === 2) {
      // LLRP 1.0.1 only, like Impinj readers: a 1.1 client falls back on this (reference §4.1).
      this.errorMessage(id, StatusCode.M_UnsupportedVersion, 'this reader speaks LLRP 1.0.1 only', 2);
      return;
    }
    switch (message.type) {
      case 'KEEPALIVE_ACK':
        this.keepaliveAcks++;
        return;
      case 'ENABLE_EVENTS_AND_REPORTS':
        return; // nothing is held: EventsAndReports hold is not supported, so nothing to release
      case 'CLOSE_CONNECTION':
        // What is pending goes out first; then the response, then the reader closes (spec §18.1).
        this.flushReports();
        this.stopTimers();
        void this.send({ type: 'CLOSE_CONNECTION_RESPONSE', id, llrpStatus: makeStatus() }).then(() =>
          this.socket.end(),
        );
        return;
      case 'IMPINJ_ENABLE_EXTENSIONS':
        this.impinjExtensions = true;
        this.respond('IMPINJ_ENABLE_EXTENSIONS_RESPONSE', id);
        return;
      case 'GET_READER_CAPABILITIES':
        void this.send({
          type: 'GET_READER_CAPABILITIES_RESPONSE',
          id,
          llrpStatus: makeStatus(),
          llrpCapabilities: {
            type: 'LLRPCapabilities',
            canDoRfSurvey: false,
            canReportBufferFillWarning: false,
            supportsClientRequestOpSpec: false,
            canDoTagInventoryStateAwareSingulation: false,
            supportsEventAndReportHolding: false,
            maxPriorityLevelsSupported: 1,
            clientRequestOpSpecTimeout: 0,
            maxNumRoSpecs: 8,
            maxNumSpecsPerRoSpec: 1,
            maxNumInventoryParameterSpecsPerAiSpec: 1,
            maxNumAccessSpecs: 0,
            maxNumOpSpecsPerAccessSpec: 0,
          },
        });
        return;
      case 'GET_READER_CONFIG':
        void this.send({
          type: 'GET_READER_CONFIG_RESPONSE',
          id,
          llrpStatus: makeStatus(),
          keepaliveSpec: {
            type: 'KeepaliveSpec',
            keepaliveTriggerType: this.keepaliveMs > 0 ? 1 : 0,
            periodicTriggerValue: this.keepaliveMs,
          },
          ...(this.readerConfigReportSpec === undefined ? {} : { roReportSpec: this.readerConfigReportSpec }),
        });
        return;
      case 'SET_READER_CONFIG':
        this.setReaderConfig(message);
        this.respond('SET_READER_CONFIG_RESPONSE', id);
        return;
      case 'ADD_ROSPEC': {
        const spec = message.roSpec;
        const outcome = table.add(
          spec.roSpecId,
          spec.currentState,
          spec.roBoundarySpec.roSpecStartTrigger.roSpecStartTriggerType,
          spec,
        );
        this.respond('ADD_ROSPEC_RESPONSE', id, outcome.ok ? undefined : outcome.refusal);
        return;
      }
      case 'DELETE_ROSPEC':
      case 'ENABLE_ROSPEC':
      case 'DISABLE_ROSPEC':
      case 'START_ROSPEC':
      case 'STOP_ROSPEC': {
        const before = this.activeSpec()?.roSpecId;
        // End of ROSpec (or AISpec): what is pending is reported before the spec stops (§13.2.1).
        if (message.type !== 'ENABLE_ROSPEC' && message.type !== 'START_ROSPEC')
          this.flushReports(message.roSpecId);
        const op = {
          DELETE_ROSPEC: 'delete',
          ENABLE_ROSPEC: 'enable',
          DISABLE_ROSPEC: 'disable',
          START_ROSPEC: 'start',
          STOP_ROSPEC: 'stop',
        } as const;
        const outcome = table[op[message.type]](message.roSpecId);
        this.respond(`${message.type}_RESPONSE`, id, outcome.ok ? undefined : outcome.refusal);
        if (outcome.ok) this.afterStateChange(before, outcome.changed);
        return;
      }
      case 'GET_ROSPECS':
        void this.send({
          type: 'GET_ROSPECS_RESPONSE',
          id,
          llrpStatus: makeStatus(),
          roSpecs: table
            .all()
            .map((s) => ({ ...s.spec, currentState: { Disabled: 0, Inactive: 1, Active: 2 }[s.state] })),
        });
        return;
      case 'DELETE_ACCESSSPEC':
      case 'ENABLE_ACCESSSPEC':
      case 'DISABLE_ACCESSSPEC':
        // No AccessSpecs here (ADD_ACCESSSPEC is unsupported), so only "all" (0) succeeds.
        this.respond(
          `${message.type}_RESPONSE`,
          id,
          message.accessSpecId === 0 ? undefined : unknownAccessSpec(message.accessSpecId),
        );
        return;
      case 'GET_REPORT':
        this.flushReports();
        return;
      case 'GET_SUPPORTED_VERSION':
      case 'SET_PROTOCOL_VERSION':
        // LLRP 1.0.1 only, like Impinj readers: the 1.1 client falls back (reference §4.1).
        this.errorMessage(
          id,
          StatusCode.M_UnsupportedVersion,
          'this reader speaks LLRP 1.0.1 only',
          message.version,
        );
        return;
      default:
        this.errorMessage(
          id,
          StatusCode.M_UnsupportedMessage,
          `${message.type === 'UNKNOWN_MESSAGE' ? `message type ${message.messageType}` : message.type} is not supported by this reader`,
          message.version,
        );
    }
  }

  private setReaderConfig(message: MessageOf<'SET_READER_CONFIG'>): void {
    if (message.resetToFactoryDefault) {
      for (const spec of this.core.rospecs.all()) this.core.rospecs.delete(spec.id);
      this.eventsOn.clear();
      this.eventsOn.add(2);
      this.setKeepalive(0);
    }
    for (const state of message.readerEventNotificationSpec?.eventNotificationStates ?? []) {
      if (state.notificationState) this.eventsOn.add(state.eventType);
      else this.eventsOn.delete(state.eventType);
    }
    if (message.roReportSpec !== undefined) this.readerConfigReportSpec = message.roReportSpec;
    const keepalive = message.keepaliveSpec;
    if (keepalive !== undefined)
      this.setKeepalive(keepalive.keepaliveTriggerType === 1 ? keepalive.periodicTriggerValue : 0);
  }

  private setKeepalive(periodMs: number): void {
    this.keepaliveMs = periodMs;
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    if (periodMs <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      if (this.hung || !this.core.keepalivesEnabled()) return;
      void this.send({ type: 'KEEPALIVE', id: this.core.nextMessageId() });
    }, periodMs);
  }

  /** ROSpecs started or stopped: ROSpecEvents, AISpec timer, reporting. */
  private afterStateChange(before: number | undefined, changed: number[]): void {
    for (const roSpecId of changed) {
      const nowActive = this.core.rospecs.get(roSpecId)?.state === 'Active';
      if (this.eventsOn.has(2))
        void this.sendEvent({
          roSpecEvent: { type: 'ROSpecEvent', eventType: nowActive ? 0 : 1, roSpecId, preemptingRoSpecId: 0 },
        });
    }
    const active = this.activeSpec();
    if (active?.roSpecId !== before) {
      clearInterval(this.aiSpecTimer);
      this.aiSpecTimer = undefined;
      if (active !== undefined) {
        const aiSpec = active.specs.find((s): s is AISpec => s.type === 'AISpec');
        const trigger = aiSpec?.aiSpecStopTrigger;
        // An AISpec with a Duration stop trigger ends every T ms; this emulator then runs it again
        // while its ROSpec stays Active (Null ROSpec stop trigger) and reports at each end.
        if (trigger?.aiSpecStopTriggerType === 1 && trigger.durationTrigger > 0)
          this.aiSpecTimer = setInterval(() => this.endOfAiSpec(), trigger.durationTrigger);
      }
    }
    this.pump();
  }

  private endOfAiSpec(): void {
    if (this.hung || this.ended) return;
    this.pump();
    const active = this.activeSpec();
    if (active !== undefined && this.reportSpecOf(active).roReportTrigger === 1) this.flushReports();
  }

  private activeSpec(): ROSpec | undefined {
    return this.core.rospecs.active()[0]?.spec;
  }

  private reportSpecOf(spec: ROSpec): { roReportTrigger: number; n: number } {
    return spec.roReportSpec ?? this.readerConfigReportSpec ?? { roReportTrigger: 2, n: 1 };
  }

  /** Report everything pending (end of AISpec/ROSpec, GET_REPORT, close). */
  private flushReports(roSpecId?: number): void {
    if (roSpecId !== undefined && roSpecId !== 0 && this.activeSpec()?.roSpecId !== roSpecId) return;
    if (this.hung || this.ended || this.socket.destroyed) return;
    // Everything in the field too, not only what is pending, as a reader reports what it has seen.
    for (;;) {
      this.pump();
      if (this.pending.length === 0) return;
      while (this.pending.length > 0) this.sendReport(MAX_TAGS_PER_REPORT);
    }
  }

  private sendReport(max: number): void {
    const active = this.activeSpec();
    const roSpecId = active?.roSpecId ?? 0;
    const content = reportContentOf(
      active?.roReportSpec ?? this.readerConfigReportSpec,
      this.impinjExtensions,
    );
    const entries = this.pending.splice(0, Math.min(max, MAX_TAGS_PER_REPORT));
    const reads: TagRead[] = [];
    let garbage = 0;
    const tagReportData: TagReportData[] = entries.map((entry) => {
      if ('garbage' in entry) {
        garbage++;
        return garbageTagReportData(roSpecId);
      }
      reads.push(entry);
      return tagReportDataOf(entry, content, roSpecId);
    });
    if (tagReportData.length === 0) return;
    void this.send({ type: 'RO_ACCESS_REPORT', id: this.core.nextMessageId(), tagReportData }).then(
      (written) => {
        // A report cut off by a dropped connection never reached the client: its tags stay in the field.
        if (written) this.core.recordSent(reads, garbage);
        else this.core.returnToField(entries);
      },
    );
  }

  private respond(type: `${string}_RESPONSE`, id: number, refusal?: Refusal): void {
    void this.send({ type, id, llrpStatus: statusOf(refusal) } as LlrpMessage);
  }

  private errorMessage(id: number, statusCode: number, description: string, version?: 1 | 2): void {
    void this.send({
      type: 'ERROR_MESSAGE',
      id,
      ...(version === undefined ? {} : { version }),
      llrpStatus: makeStatus(statusCode, description),
    });
  }

  private sendEvent(event: Omit<ReaderEventNotificationData, 'type' | 'timestamp'>): Promise<boolean> {
    return this.send({
      type: 'READER_EVENT_NOTIFICATION',
      id: this.core.nextMessageId(),
      readerEventNotificationData: {
        type: 'ReaderEventNotificationData',
        timestamp: { type: 'UTCTimestamp', microseconds: BigInt(this.core.nowUs()) },
        ...event,
      },
    });
  }

  private send(message: LlrpMessage): Promise<boolean> {
    if (this.socket.destroyed) return Promise.resolve(false);
    return this.writer.send(encodeMessage(message));
  }

  private stopTimers(): void {
    clearInterval(this.keepaliveTimer);
    clearInterval(this.aiSpecTimer);
    this.keepaliveTimer = undefined;
    this.aiSpecTimer = undefined;
  }

  private onClose(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    // Taken for a report but never written: back to the field, nothing is lost.
    if (this.pending.length > 0) this.core.returnToField(this.pending);
    this.pending = [];
    this.core.onSessionClosed(this);
  }
}

function statusOf(refusal: Refusal | undefined): LLRPStatus {
  if (refusal === undefined) return makeStatus();
  const status: LLRPStatus = makeStatus(refusal.statusCode, refusal.description);
  if (refusal.fieldError !== undefined) status.fieldError = { type: 'FieldError', ...refusal.fieldError };
  if (refusal.parameterError !== undefined) {
    const p = refusal.parameterError;
    status.parameterError = {
      type: 'ParameterError',
      parameterType: p.parameterType,
      errorCode: p.errorCode,
      ...(p.fieldError === undefined ? {} : { fieldError: { type: 'FieldError', ...p.fieldError } }),
    };
  }
  return status;
}

function unknownAccessSpec(accessSpecId: number): Refusal {
  return {
    statusCode: StatusCode.M_FieldError,
    description: `no AccessSpec with AccessSpecID ${accessSpecId}`,
    fieldError: { fieldNum: 0, errorCode: StatusCode.A_Invalid },
  };
}
