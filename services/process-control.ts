import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Whether `pid` is a live process whose command line contains every string in `mustContain`.
 * Checking the command line, not just the pid, keeps us from signalling an unrelated process that
 * inherited a recycled pid, or another engineer's broker. Zombies have an empty command line, so an
 * exited but unreaped child counts as gone.
 */
export async function isProcessRunning(pid: number, mustContain: readonly string[] = []): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await hasProcFs()))
      return signalZeroSucceeds(pid);
    return false;
  }
  if (cmdline.trim() === '') return false;
  return mustContain.every((part) => cmdline.includes(part));
}

let procFs: boolean | undefined;
async function hasProcFs(): Promise<boolean> {
  if (procFs === undefined) {
    try {
      await readFile('/proc/self/cmdline');
      procFs = true;
    } catch {
      procFs = false;
    }
  }
  return procFs;
}

function signalZeroSucceeds(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

/**
 * Stop a process politely: SIGTERM, wait up to `graceMs` for it to go (a Kafka broker flushes and
 * hands leadership away on SIGTERM), then SIGKILL. `mustContain` guards against recycled pids.
 */
export async function stopProcess(
  pid: number,
  mustContain: readonly string[],
  graceMs: number,
): Promise<StopOutcome> {
  const running = (): Promise<boolean> => isProcessRunning(pid, mustContain);
  if (!(await running())) return 'not-running';
  if (!sendSignal(pid, 'SIGTERM')) return 'not-running';
  if (await waitForExit(running, graceMs)) return 'stopped';
  sendSignal(pid, 'SIGKILL');
  if (await waitForExit(running, 10_000)) return 'killed';
  throw new Error(`process ${pid} survived SIGKILL`);
}

function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function waitForExit(running: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await running())) return true;
    await delay(100);
  }
  return !(await running());
}
