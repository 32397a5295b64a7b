import { spawn } from 'node:child_process';
import { describeError } from '../runtime/errors.js';
import { ServiceError, ServiceErrorCodes, type ServiceName } from './errors.js';

export interface RunOptions {
  /** Whose step this is; names the service in errors. */
  service: ServiceName;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this long. Default 5 minutes (a cold Maven fetch or apt-get). */
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  /** stdout and stderr interleaved, as a person would have seen them. */
  output: string;
}

/**
 * Run a program to completion and collect its output. A missing program is its own error code
 * (BT_SERVICES_COMMAND_MISSING), because the fix differs: install it, not debug it.
 * A non-zero exit is returned, not thrown: callers know which exits are fine ("already running").
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 300_000,
      killSignal: 'SIGKILL',
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new ServiceError(
            ServiceErrorCodes.COMMAND_MISSING,
            options.service,
            `${command} is not installed (not found on PATH)`,
            { cause: err },
          ),
        );
      } else {
        reject(
          new ServiceError(
            ServiceErrorCodes.COMMAND_FAILED,
            options.service,
            `cannot run ${command}: ${describeError(err)}`,
            { cause: err },
          ),
        );
      }
    });
    child.once('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      resolve({ exitCode: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** The last `count` non-empty lines of some output, for error messages. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-count)
    .join('\n');
}
