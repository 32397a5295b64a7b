import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ServiceError, ServiceErrorCodes, type ServiceName } from './errors.js';
import { isProcessRunning } from './process-control.js';

export interface LockOptions {
  service: ServiceName;
  /** Give up waiting for another holder after this long. */
  timeoutMs: number;
  /** Called once when we have to wait for another process. */
  onWait?: (holderPid: number) => void;
}

/**
 * Run `fn` while holding an exclusive lock file. Two `services up` at once (two engineers' test
 * runs in one checkout, or the CLI beside vitest) would otherwise both fetch jars into one folder,
 * both format storage and both start a broker.
 * The lock file holds the holder's pid; a lock whose holder is gone (killed mid-start) is taken over.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  let waited = false;
  while (true) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (holder === undefined || !(await isProcessRunning(holder))) {
      // A stale lock. A holder caught between open and write reads as undefined: give it a moment.
      // Re-reading right before rm narrows, but does not close, the window in which two waiters that
      // both saw the same stale lock remove each other's fresh one; that needs a crashed holder and
      // two simultaneous waiters, and costs at worst a second broker that fails on the data-dir lock.
      const stale = holder ?? (await readHolderAfterPause(path));
      if (stale === undefined || !(await isProcessRunning(stale))) {
        if ((await readHolder(path)) === stale) await rm(path, { force: true });
        continue;
      }
    }
    if (Date.now() > deadline) {
      throw new ServiceError(
        ServiceErrorCodes.LOCK_TIMEOUT,
        options.service,
        `another bondtrack process (pid ${holder}) holds ${path}; gave up after ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    if (!waited && holder !== undefined) options.onWait?.(holder);
    waited = true;
    await delay(200);
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

async function readHolder(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function readHolderAfterPause(path: string): Promise<number | undefined> {
  await delay(500);
  return readHolder(path);
}
