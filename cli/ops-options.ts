import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Logger } from '../runtime/logger.js';
import {
  OPS_HOST_ENV,
  OPS_PORT_ENV,
  OPS_TOKEN_ENV,
  opsSettingsFrom,
  startOpsServer,
  type OpsServer,
  type ReadinessCheck,
} from '../runtime/ops-server.js';

/** Flags of the ops endpoint (/metrics, /healthz, /readyz), shared by every long-running command. */
export interface OpsFlags {
  opsPort?: number;
  opsHost?: string;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535 || value.trim() === '')
    throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
}

export function addOpsOptions(command: Command): Command {
  command.addOption(
    new Option(
      '--ops-port <n>',
      `serve /metrics, /healthz and /readyz on this port (env ${OPS_PORT_ENV}; 0: any free port, printed at start; default: off)`,
    ).argParser(parsePort),
  );
  command.addOption(
    new Option(
      '--ops-host <host>',
      `address of the ops endpoint (env ${OPS_HOST_ENV}; default 127.0.0.1). A token for /metrics comes from ${OPS_TOKEN_ENV}`,
    ),
  );
  return command;
}

/** Start the ops endpoint when a port is configured; otherwise resolve undefined. */
export async function startOpsFromFlags(
  flags: OpsFlags,
  log: Logger,
  readiness: Record<string, ReadinessCheck> = {},
): Promise<OpsServer | undefined> {
  const settings = opsSettingsFrom(flags);
  if (settings === undefined) return undefined;
  const server = await startOpsServer({ ...settings, readiness, log });
  // On stderr as well as in the log: with port 0 this is how a supervisor learns the port.
  process.stderr.write(`ops endpoint on ${server.url} (/metrics /healthz /readyz)\n`);
  return server;
}
