import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BondtrackError } from '../runtime/errors.js';

/**
 * Two pseudo-terminals joined by socat: bytes written to one come out of the other, like the two
 * ends of a serial cable. The simulated reader writes `readerPath`; the adapter opens
 * `adapterPath` as it would open /dev/ttyUSB0.
 */
export interface PtyPair {
  /** The end the adapter opens (a symlink to /dev/pts/N). */
  readonly adapterPath: string;
  /** The end the simulated reader writes. */
  readonly readerPath: string;
  /** socat's process id. */
  readonly pid: number;
  /** Stop socat and wait until it has exited (it removes both links). Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenPtyPairOptions {
  /** Where the adapter's link goes. Default: `adapter` in a fresh temporary directory. */
  adapterPath?: string;
  /** Where the simulated reader's link goes. Default: `reader` next to the adapter's link. */
  readerPath?: string;
  /** Give up when socat has not set up both ends by then. Default 5000. */
  timeoutMs?: number;
}

export class PtyPairError extends BondtrackError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BT_SIM_PTY', message, options);
  }
}

/** socat processes not closed yet: one 'exit' listener takes them all down with this process. */
const running = new Set<ChildProcess>();
let exitHooked = false;
function track(child: ChildProcess): void {
  if (!exitHooked) process.once('exit', () => running.forEach((c) => c.kill('SIGTERM')));
  exitHooked = true;
  running.add(child);
}

/** socat -d -d logs this once both addresses are open and their links exist. */
const READY_LINE = 'starting data transfer loop';

export async function openPtyPair(options: OpenPtyPairOptions = {}): Promise<PtyPair> {
  const ownDir =
    options.adapterPath === undefined || options.readerPath === undefined
      ? await mkdtemp(join(tmpdir(), 'bondtrack-pty-'))
      : undefined;
  const adapterPath = options.adapterPath ?? join(ownDir!, 'adapter');
  const readerPath = options.readerPath ?? join(ownDir!, 'reader');
  // raw,echo=0: a serial line passes bytes untouched (no line discipline, no echo back to the writer).
  const child = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${adapterPath}`, `pty,raw,echo=0,link=${readerPath}`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  track(child);

  try {
    await waitUntilReady(child, options.timeoutMs ?? 5000);
    await Promise.all([lstat(adapterPath), lstat(readerPath)]);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    running.delete(child);
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw err instanceof PtyPairError
      ? err
      : new PtyPairError(`socat did not create ${adapterPath} and ${readerPath}`, { cause: err });
  }

  let closing: Promise<void> | undefined;
  return {
    adapterPath,
    readerPath,
    pid: child.pid!,
    close: () => {
      closing ??= (async () => {
        running.delete(child);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        if (ownDir) await rm(ownDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

function waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const done = (err?: Error): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('error', onError);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (log.includes(READY_LINE)) done();
    };
    const onError = (err: Error): void =>
      done(
        new PtyPairError(`cannot start socat (is it installed? apt-get install socat): ${err.message}`, {
          cause: err,
        }),
      );
    const onExit = (code: number | null): void =>
      done(new PtyPairError(`socat exited (code ${code}) before the ptys were ready: ${log.trim()}`));
    const timer = setTimeout(
      () => done(new PtyPairError(`socat not ready after ${timeoutMs} ms: ${log.trim()}`)),
      timeoutMs,
    );
    child.stderr?.on('data', onData);
    child.once('error', onError);
    child.once('exit', onExit);
  });
}

/** One pty pair per reader, by reader id. */
export interface ReaderPtys {
  readonly pairs: ReadonlyMap<string, PtyPair>;
  /** Close every pair and remove the simulator's private directory. */
  close(): Promise<void>;
}

/**
 * One pty pair per reader, the adapter's end linked as `dir/<readerId>` (so an adapter can be
 * pointed at that directory), the simulator's ends in a private temporary directory.
 */
export async function openReaderPtys(dir: string, readerIds: readonly string[]): Promise<ReaderPtys> {
  await mkdir(dir, { recursive: true });
  const privateDir = await mkdtemp(join(tmpdir(), 'bondtrack-sim-'));
  const pairs = new Map<string, PtyPair>();
  const close = async (): Promise<void> => {
    await Promise.all([...pairs.values()].map((p) => p.close()));
    await rm(privateDir, { recursive: true, force: true });
  };
  try {
    for (const readerId of readerIds) {
      pairs.set(
        readerId,
        await openPtyPair({ adapterPath: join(dir, readerId), readerPath: join(privateDir, readerId) }),
      );
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { pairs, close };
}
