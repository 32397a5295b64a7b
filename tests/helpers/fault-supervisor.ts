import { onTestFinished } from 'vitest';
import { spawnBondtrack, type CliProcess } from './cli-process.js';

/**
 * A `bondtrack` process under a supervisor, as systemd (`Restart=always`) or Kubernetes would run
 * it in production: whenever it dies — SIGKILLed by the test, or exiting by itself because a
 * dependency vanished (the pipeline exits 70 to restart from committed offsets) — a new one is
 * started with the same arguments. Each incarnation is a real child process, so a SIGKILL is real.
 */
export interface SupervisedProcess {
  readonly name: string;
  /** How each incarnation ended that the supervisor restarted (exit code or signal). */
  readonly restarts: Array<number | string>;
  /** The last lines each of those incarnations logged, for failure messages. */
  readonly exitLogs: string[];
  /** Resolves once the current incarnation printed its ready line. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL the current incarnation; the supervisor starts the next one. Resolves once it is dead. */
  kill(): Promise<void>;
  /** Stop supervising and end the current incarnation with SIGTERM; resolves with its exit. */
  stop(): Promise<number | string>;
  /** Everything every incarnation wrote to stderr (logs), for failure messages. */
  logs(): string;
}

export function superviseBondtrack(
  name: string,
  args: string[],
  readyPattern: RegExp,
  env: Record<string, string> = {},
): SupervisedProcess {
  const restarts: Array<number | string> = [];
  const exitLogs: string[] = [];
  let stopping = false;
  let past = '';
  let current: CliProcess;
  let readyPromise: Promise<void>;

  // When the test ends, spawnBondtrack's cleanup SIGKILLs the incarnation: that must not look like a
  // crash to restart. Registered before and after each launch, so that it runs before that cleanup
  // whichever order vitest calls the hooks in.
  const endOfTest = () => {
    stopping = true;
  };
  onTestFinished(endOfTest);
  const launch = (): void => {
    const proc = spawnBondtrack(args, env);
    onTestFinished(endOfTest);
    current = proc;
    readyPromise = proc.waitForOutput(readyPattern, 120_000);
    readyPromise.catch(() => undefined); // observed through ready(); a killed incarnation never is
    void proc.exited().then((how) => {
      past += proc.stderr();
      if (stopping || current !== proc) return;
      restarts.push(how);
      exitLogs.push(proc.stderr().slice(-1500));
      launch();
    });
  };
  launch();

  return {
    name,
    restarts,
    exitLogs,
    async ready(timeoutMs = 120_000) {
      // The incarnation may die while starting (its broker is still down): wait for the next one.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const proc = current;
        try {
          await readyPromise;
          if (proc === current) return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await proc.exited();
        }
        if (Date.now() > deadline) throw new Error(`${name} not ready within ${timeoutMs} ms`);
      }
    },
    async kill() {
      const proc = current;
      await proc.stop('SIGKILL');
    },
    async stop() {
      stopping = true;
      return current.stop('SIGTERM', 30_000);
    },
    logs: () => past + current.stderr(),
  };
}
