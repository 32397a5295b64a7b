import type { Duplex } from 'node:stream';
import type { Publisher, PublisherCloseResult, PublisherStats } from '../publish/index.js';
import type { SerialReaderOptions } from './options.js';

/**
 * A serial device as the client uses it. `serialport`'s SerialPort is one; a simulator can supply
 * another (e.g. a SerialPortStream over @serialport/binding-mock) through `openDevice`.
 */
export interface SerialDevice extends Duplex {
  readonly isOpen: boolean;
  open(callback?: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
}

/** Makes the (not yet opened) device for a port; called again for every reopen. */
export type SerialDeviceFactory = (options: SerialReaderOptions) => SerialDevice;

/** What a reader client needs from the publisher. */
export type ReadSink = Pick<Publisher, 'push' | 'deadLetter' | 'setReaderStatus' | 'whenWritable'> &
  Partial<Pick<Publisher, 'setSequenceGaps'>>;

/**
 * connecting: first open in progress; open: reading; reopening: the device is away and the client
 * retries with backoff; stopped: stop() was called.
 */
export type SerialReaderState = 'connecting' | 'open' | 'reopening' | 'stopped';

export interface SerialReaderStats {
  readerId: string;
  path: string;
  state: SerialReaderState;
  /** Bytes received from the device. */
  bytes: number;
  /** Lines received (blank ones included). */
  lines: number;
  blankLines: number;
  /** Lines the format defines as carrying no read (Alien header/footer, CSV header). */
  skippedLines: number;
  /** Reads handed to the publisher, and lines refused as dead letters. */
  reads: number;
  deadLetters: number;
  /** Successful opens, closes while open, and failed open attempts. */
  opens: number;
  disconnects: number;
  openFailures: number;
  /** Input paused because the publisher's backlog is above its high-water mark. */
  paused: boolean;
  lastError: string | undefined;
}

export interface SerialAdapterStats {
  readers: SerialReaderStats[];
  publisher: PublisherStats;
}

/** A running serial adapter (see startSerialAdapter). */
export interface SerialAdapter {
  readonly bootId: string;
  stats(): SerialAdapterStats;
  /** Close every port, flush and wait for PUBACKs, publish `offline`, disconnect. Idempotent. */
  stop(): Promise<PublisherCloseResult>;
}
