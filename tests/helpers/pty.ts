import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { onTestFinished } from 'vitest';
import { openPtyPair, type PtyPair } from '../../simulators/pty-pair.js';

/**
 * A serial "cable" for a test: a real socat pty pair (simulators/pty-pair.ts). The adapter opens
 * `adapterPath`; the test writes to the reader's end. `unplug()` kills socat (both links vanish,
 * as when a USB adapter is pulled) and `replug()` starts a new socat on the same paths. Cleaned up
 * when the test finishes.
 */
export interface TestPty {
  readonly adapterPath: string;
  readonly readerPath: string;
  /** Write bytes to the reader's end, waiting until the port has taken them. */
  write(data: string | Buffer): Promise<void>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

export async function createTestPty(): Promise<TestPty> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-test-pty-'));
  const adapterPath = join(dir, 'adapter');
  const readerPath = join(dir, 'reader');
  let pair: PtyPair | undefined;
  let writer: SerialPort | undefined;

  const closeWriter = async (): Promise<void> => {
    const port = writer;
    writer = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  };
  const plug = async (): Promise<void> => {
    pair = await openPtyPair({ adapterPath, readerPath });
    const port = new SerialPort({ path: readerPath, baudRate: 115_200, autoOpen: false });
    port.on('error', () => {}); // surfaces through write(); unplug() closes the pty under it
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    writer = port;
  };
  const unplug = async (): Promise<void> => {
    await closeWriter();
    await pair?.close();
    pair = undefined;
  };

  await plug();
  onTestFinished(async () => {
    await unplug();
    await rm(dir, { recursive: true, force: true });
  });

  return {
    adapterPath,
    readerPath,
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        const port = writer;
        if (port === undefined) return reject(new Error('pty is unplugged'));
        port.write(data, (err) =>
          err ? reject(err) : port.drain((drainErr) => (drainErr ? reject(drainErr) : resolve())),
        );
      }),
    unplug,
    replug: plug,
  };
}
