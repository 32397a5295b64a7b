import { SerialPort } from 'serialport';
import type { TagRead } from '../schemas/index.js';
import { BondtrackError, describeError } from '../runtime/errors.js';

/**
 * The "jsonl" serial line format, one read per line, keys in this order:
 *   {"epc":"31D5…","antenna":1,"rssiDbm":-52.5,"seenAtUs":1780000000000000,"count":1}\n
 * Optional fields (phaseDeg, frequencyKhz, tid) follow when present. Pure: read in, text out.
 */
export function formatJsonlRead(read: TagRead): string {
  const ordered: Record<string, unknown> = { epc: read.epc, antenna: read.antenna };
  if (read.rssiDbm !== undefined) ordered['rssiDbm'] = read.rssiDbm;
  ordered['seenAtUs'] = read.seenAtUs;
  ordered['count'] = read.count;
  if (read.phaseDeg !== undefined) ordered['phaseDeg'] = read.phaseDeg;
  if (read.frequencyKhz !== undefined) ordered['frequencyKhz'] = read.frequencyKhz;
  if (read.tid !== undefined) ordered['tid'] = read.tid;
  return `${JSON.stringify(ordered)}\n`;
}

export class SerialReaderError extends BondtrackError {
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super('BT_SIM_SERIAL', `${path}: ${message}`, options);
    this.path = path;
  }
}

export interface SimulatedSerialReaderOptions {
  /** The reader's end of a pty pair (PtyPair.readerPath) or any serial device. */
  path: string;
  /** Meaningless on a pty, but a real port needs one. Default 115200. */
  baudRate?: number;
}

/**
 * A serial RFID reader in continuous mode, as the adapter sees it: it writes reads as text lines
 * and nothing else. Writes respect backpressure: each write resolves once the port has taken the
 * bytes, waiting for 'drain' when the port's buffer is full (a pty whose other end nobody reads
 * fills up and then holds the writer, instead of growing memory without bound).
 */
export class SimulatedSerialReader {
  private bytes = 0;
  private lines = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly port: SerialPort,
  ) {}

  static async open(options: SimulatedSerialReaderOptions): Promise<SimulatedSerialReader> {
    const port = new SerialPort({
      path: options.path,
      baudRate: options.baudRate ?? 115_200,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) =>
        err
          ? reject(new SerialReaderError(options.path, `cannot open: ${err.message}`, { cause: err }))
          : resolve(),
      ),
    );
    const reader = new SimulatedSerialReader(options.path, port);
    // A write error also surfaces through write()'s promise; this keeps it from becoming an
    // uncaught 'error' event when nobody is writing at that moment.
    port.on('error', () => {});
    return reader;
  }

  /** Bytes and lines the port has accepted. */
  get bytesWritten(): number {
    return this.bytes;
  }
  get linesWritten(): number {
    return this.lines;
  }

  /** Write reads as jsonl lines, in one write. */
  async writeReads(reads: readonly TagRead[]): Promise<void> {
    if (reads.length === 0) return;
    await this.writeRaw(reads.map(formatJsonlRead).join(''));
  }

  /** Write one line as given, plus '\n' (tests use it to inject garbage). */
  async writeLine(line: string): Promise<void> {
    await this.writeRaw(`${line}\n`);
  }

  /** Write bytes exactly as given: half lines, binary noise, CRLF, … */
  async writeRaw(data: string | Buffer): Promise<void> {
    if (this.closed) throw new SerialReaderError(this.path, 'write after close');
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error | null): void => {
        if (settled) return;
        settled = true;
        this.port.off('close', onClose);
        this.port.off('drain', onDrain);
        if (err)
          reject(new SerialReaderError(this.path, `write failed: ${describeError(err)}`, { cause: err }));
        else resolve();
      };
      const onClose = (): void => finish(new Error('port closed'));
      this.port.once('close', onClose);
      // Done when the port has taken the bytes (callback) and, if write() asked us to wait, its
      // buffer has drained. 'drain' can fire before the callback, so listen for it right away.
      let taken = false;
      let drained = false;
      const check = (): void => {
        if (taken && drained) finish();
      };
      const onDrain = (): void => {
        drained = true;
        check();
      };
      const flowing = this.port.write(buffer, (err) => {
        if (err) return finish(err);
        taken = true;
        check();
      });
      if (flowing) drained = true;
      else this.port.once('drain', onDrain);
    });
    this.bytes += buffer.length;
    for (const byte of buffer) if (byte === 0x0a) this.lines++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}
