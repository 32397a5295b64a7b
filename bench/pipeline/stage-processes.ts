import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parsePidStat } from './machine-cpu.js';

const BIN = fileURLToPath(new URL('../../bin/bondtrack.js', import.meta.url));
/** Linux USER_HZ: /proc/PID/stat counts CPU time in these ticks (100 on every Linux we run). */
const CLOCK_TICKS_PER_SEC = 100;
const STDERR_TAIL_CHARS = 4_000;

export interface ProcessUsage {
  cpuSec: number;
  peakRssMb: number;
}

/** CPU seconds (user + system) and peak RSS (VmHWM) of a live process, from /proc. */
export async function readUsage(pid: number): Promise<ProcessUsage> {
  const stat = parsePidStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  if (!stat) throw new Error(`/proc/${pid}/stat: cannot read its CPU time`);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwmKb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
  return { cpuSec: stat.ticks / CLOCK_TICKS_PER_SEC, peakRssMb: hwmKb / 1024 };
}

/** One `bondtrack pipeline STAGE` child process. */
export class StageProcess {
  private readonly child: ChildProcess;
  private stderrTail = '';
  private readonly exited: Promise<number | string>;

  /** `cpuProfileDir`: write a V8 CPU profile of the stage there when it exits (`STAGE.cpuprofile`). */
  constructor(
    readonly stage: string,
    args: string[],
    cpuProfileDir?: string,
  ) {
    const nodeArgs = cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${stage}.cpuprofile`]
      : [];
    this.child = spawn(process.execPath, [...nodeArgs, BIN, 'pipeline', stage, ...args], {
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolve once the stage logs that it runs; reject if it exits first or takes too long. */
  ready(timeoutMs = 90_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (chunk: Buffer) => {
        if (
          chunk.toString('utf8').includes('pipeline running') ||
          this.stderrTail.includes('pipeline running')
        ) {
          cleanup();
          resolve();
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`stage ${this.stage} exited before it ran:\n${this.stderrTail}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`stage ${this.stage} not running after ${timeoutMs} ms:\n${this.stderrTail}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stderr!.off('data', check);
        this.child.off('exit', onExit);
      };
      this.child.stderr!.on('data', check);
      this.child.once('exit', onExit);
      if (this.stderrTail.includes('pipeline running')) {
        cleanup();
        resolve();
      }
    });
  }

  /**
   * CPU and peak RSS while the stage runs. A stage that died mid-run has no /proc entry left: say
   * which stage, how it ended and what it last logged, rather than a bare ENOENT.
   */
  async usage(): Promise<ProcessUsage> {
    if (!this.running)
      throw new Error(
        `stage ${this.stage} exited (${String(this.child.exitCode ?? this.child.signalCode)}) during the run:\n${this.stderrTail}`,
      );
    return readUsage(this.pid);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  tail(): string {
    return this.stderrTail;
  }
}
