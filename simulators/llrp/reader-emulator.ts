import { createServer, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { ROSpec } from '../../adapters/llrp/index.js';
import type { TagRead } from '../../schemas/index.js';
import { EmulatorSession, GARBAGE, type EmulatorCore, type FieldEntry } from './emulator-session.js';
import { RoSpecTable } from './rospec-table.js';
import type { WireShape } from './wire-writer.js';

export interface LlrpReaderEmulatorOptions {
  /** For logs and the emit target. */
  readerId: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port, kept across restart(). */
  port?: number;
  /** How messages go on the wire (fragmented, coalesced); changeable at any time. */
  wire?: WireShape;
  /** The reader's UTC clock for event timestamps. Default: system clock. */
  clock?: Clock;
  /**
   * Tags waiting in the field for an inventory to report them, at most. Older ones are dropped
   * (counted in `stats().fieldDropped`) like a reader's full report buffer. Default 1 000 000.
   */
  maxFieldReads?: number;
}

export interface LlrpReaderEmulatorStats {
  readerId: string;
  port: number;
  running: boolean;
  connected: boolean;
  /** Connections accepted as the client, refused as a second client, and ROSpecs now defined. */
  connections: number;
  refused: number;
  rospecs: Array<{ id: number; state: string }>;
  /** Reads written in RO_ACCESS_REPORTs, garbage TagReportData written, reads still in the field. */
  readsSent: number;
  garbageSent: number;
  fieldReads: number;
  fieldDropped: number;
  keepaliveAcks: number;
}

/**
 * A TCP server that behaves like a fixed LLRP reader (LLRP 1.0.1): one client at a time (spec
 * §18.1), ROSpecs that outlive a connection but not a reboot (restart), tag reports of the reads
 * it is given (`inject`, normally the simulator's reads of this reader), periodic keepalives,
 * and fault injection: fragmented or coalesced writes, a hung reader, a dropped connection.
 * Many run in one process, one port each (see LlrpEmulatorFleet).
 */
export class LlrpReaderEmulator {
  readonly readerId: string;
  private readonly host: string;
  private portNumber: number;
  private wire: WireShape;
  private readonly clock: Clock;
  private readonly maxFieldReads: number;
  private server: Server | undefined;
  private session: EmulatorSession | undefined;
  private readonly extraSockets = new Set<Socket>();
  private rospecs = new RoSpecTable<ROSpec>();
  private field: FieldEntry[] = [];
  private fieldHead = 0;
  private messageId = 1000;
  private keepalives = true;
  private readonly counters = {
    connections: 0,
    refused: 0,
    readsSent: 0,
    garbageSent: 0,
    fieldDropped: 0,
    keepaliveAcks: 0,
  };
  /** Every read written in a report, in order (what a test compares the adapter's output with). */
  readonly sentReads: TagRead[] = [];
  private readonly core: EmulatorCore;

  constructor(options: LlrpReaderEmulatorOptions) {
    this.readerId = options.readerId;
    this.host = options.host ?? '127.0.0.1';
    this.portNumber = options.port ?? 0;
    this.wire = options.wire ?? {};
    this.clock = options.clock ?? systemClock;
    this.maxFieldReads = options.maxFieldReads ?? 1_000_000;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.core = {
      readerId: this.readerId,
      get rospecs() {
        return self.rospecs;
      },
      nowUs: () => self.clock.nowUs(),
      wireShape: () => self.wire,
      keepalivesEnabled: () => self.keepalives,
      takeField: (max) => self.takeField(max),
      returnToField: (reads) => {
        self.field = [...reads, ...self.field.slice(self.fieldHead)];
        self.fieldHead = 0;
      },
      recordSent: (reads, garbage) => {
        self.counters.readsSent += reads.length;
        self.counters.garbageSent += garbage;
        for (const read of reads) self.sentReads.push(read);
      },
      nextMessageId: () => (self.messageId = self.messageId >= 0xffff_ffff ? 1 : self.messageId + 1),
      onSessionClosed: (session) => {
        self.counters.keepaliveAcks += session.keepaliveAcks;
        if (self.session === session) self.session = undefined;
      },
    };
  }

  get port(): number {
    return this.portNumber;
  }

  /** `host:port`, as `bondtrack adapter llrp --reader` takes it. */
  get address(): string {
    return `${this.host}:${this.portNumber}`;
  }

  /** Listen (again, on the same port after a restart). Resolves with the port. */
  async start(): Promise<number> {
    if (this.server !== undefined) return this.portNumber;
    const server = createServer((socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.portNumber, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    if (address !== null && typeof address === 'object') this.portNumber = address.port;
    return this.portNumber;
  }

  /**
   * Stop listening and close the connection as a reader that powers down does: ConnectionCloseEvent,
   * then FIN. With `reboot` the reader also forgets its ROSpecs (they live in RAM).
   */
  async stop(options: { reboot?: boolean } = {}): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closing =
      server === undefined ? Promise.resolve() : new Promise<void>((r) => server.close(() => r()));
    await this.session?.close();
    for (const socket of this.extraSockets) socket.destroy();
    await closing;
    if (options.reboot ?? true) this.rospecs = new RoSpecTable<ROSpec>();
  }

  /** A reader reboot: stop, forget ROSpecs, listen again on the same port. */
  async restart(): Promise<void> {
    await this.stop({ reboot: true });
    await this.start();
  }

  /** Tags the reader sees: reported while a ROSpec is Active, kept in the field until then. */
  inject(reads: readonly FieldEntry[]): void {
    for (const read of reads) this.field.push(read);
    const over = this.field.length - this.fieldHead - this.maxFieldReads;
    if (over > 0) {
      this.fieldHead += over;
      this.counters.fieldDropped += over;
    }
    this.compactField();
    this.session?.pump();
  }

  /** One TagReportData no adapter can turn into a read (EPCData of 0 bits), in the next report. */
  injectGarbage(): void {
    this.inject([GARBAGE]);
  }

  setWireShape(shape: WireShape): void {
    this.wire = shape;
  }

  /** Stop (false) or resume (true) sending KEEPALIVEs; requests are still answered. */
  setKeepalives(enabled: boolean): void {
    this.keepalives = enabled;
  }

  /** The current connection stops answering and sending anything, but stays open (a hung reader). */
  hang(): void {
    this.session?.hang();
  }

  /** Cut the current connection without a goodbye (after writing what is already queued). */
  async dropConnection(): Promise<void> {
    await this.session?.drop();
  }

  get connected(): boolean {
    return this.session !== undefined && !this.session.closed;
  }

  /** True while a ROSpec is Active (the client's inventory runs). */
  get inventorying(): boolean {
    return this.connected && this.rospecs.active().length > 0;
  }

  stats(): LlrpReaderEmulatorStats {
    return {
      readerId: this.readerId,
      port: this.portNumber,
      running: this.server !== undefined,
      connected: this.connected,
      ...this.counters,
      keepaliveAcks: this.counters.keepaliveAcks + (this.session?.keepaliveAcks ?? 0),
      rospecs: this.rospecs.all().map((s) => ({ id: s.id, state: s.state })),
      fieldReads: this.field.length - this.fieldHead,
    };
  }

  private onConnection(socket: Socket): void {
    if (this.session !== undefined && !this.session.closed) {
      // Spec §18.1: tell the established client, refuse the new one with status 2, close it.
      this.counters.refused++;
      this.extraSockets.add(socket);
      socket.once('close', () => this.extraSockets.delete(socket));
      this.session.notifyAnotherAttempt();
      const refused = new EmulatorSession(socket, { ...this.core, onSessionClosed: () => undefined });
      void refused.refuse();
      return;
    }
    this.counters.connections++;
    const session = new EmulatorSession(socket, this.core);
    this.session = session;
    void session.greet(0);
  }

  private takeField(max: number): FieldEntry[] {
    const available = this.field.length - this.fieldHead;
    const count = Math.min(max, available);
    const out = this.field.slice(this.fieldHead, this.fieldHead + count);
    this.fieldHead += count;
    this.compactField();
    return out;
  }

  private compactField(): void {
    if (this.fieldHead > 4096 && this.fieldHead * 2 > this.field.length) {
      this.field = this.field.slice(this.fieldHead);
      this.fieldHead = 0;
    }
  }
}
