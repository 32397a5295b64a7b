import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { lastLines, runCommand } from './run-command.js';
import type { ServiceDown, ServiceStatus, ServiceUp } from './service-report.js';

export interface SocatServiceOptions {
  progress?: (message: string) => void;
}

/** The first executable `name` on PATH, like `which`, without depending on `which` being there. */
export async function findExecutable(
  name: string,
  path = process.env['PATH'] ?? '',
): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/**
 * socat makes the pseudo-terminal pairs the serial simulators use. It is a Debian package, so a
 * machine without it gets it from apt-get (as root; CI runs as root).
 */
export async function ensureSocat(options: SocatServiceOptions = {}): Promise<ServiceUp> {
  const startedAt = Date.now();
  const found = await findExecutable('socat');
  if (found) return { service: 'socat', action: 'reused', address: found, elapsedMs: Date.now() - startedAt };
  if (process.getuid?.() !== 0) {
    throw new ServiceError(
      ServiceErrorCodes.COMMAND_MISSING,
      'socat',
      'socat is not installed and we are not root; run `sudo apt-get install -y socat`',
    );
  }
  const progress = options.progress ?? (() => undefined);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  progress('installing socat with apt-get');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'socat']]) {
    const result = await runCommand('apt-get', args, { service: 'socat', env, timeoutMs: 600_000 });
    if (result.exitCode !== 0) {
      throw new ServiceError(
        ServiceErrorCodes.COMMAND_FAILED,
        'socat',
        `apt-get ${args.join(' ')} exited ${result.exitCode}:\n${lastLines(result.output, 15)}`,
        {
          retriable: true,
        },
      );
    }
  }
  const installed = await findExecutable('socat');
  if (!installed)
    throw new ServiceError(
      ServiceErrorCodes.COMMAND_MISSING,
      'socat',
      'apt-get installed socat but it is not on PATH',
    );
  return { service: 'socat', action: 'installed', address: installed, elapsedMs: Date.now() - startedAt };
}

export async function socatStatus(): Promise<ServiceStatus> {
  const found = await findExecutable('socat');
  return found
    ? { service: 'socat', state: 'up', address: found, managed: false }
    : {
        service: 'socat',
        state: 'down',
        address: 'socat',
        managed: false,
        detail: 'not installed; `services up` installs it',
      };
}

export async function socatDown(): Promise<ServiceDown> {
  const found = await findExecutable('socat');
  return {
    service: 'socat',
    action: 'left-running',
    address: found ?? 'socat',
    detail: 'a program, not a service; left installed',
  };
}
