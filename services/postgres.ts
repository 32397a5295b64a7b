import { readdir } from 'node:fs/promises';
import pg from 'pg';
import { DEFAULT_DATABASE_URL } from '../runtime/config.js';
import { describeError } from '../runtime/errors.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { isPortOpen, isSameLocalEndpoint, redactUrl, urlHostPort } from './port-check.js';
import { lastLines, runCommand } from './run-command.js';
import type { ServiceDown, ServiceStatus, ServiceUp } from './service-report.js';
import { waitUntil, withTimeout } from './wait-until.js';

export interface PostgresServiceOptions {
  /** Default DATABASE_URL's default, postgres://postgres@127.0.0.1:5432/test. */
  url?: string;
  /** How long to wait for the server to answer (after starting it). Default 60 s. */
  timeoutMs?: number;
  progress?: (message: string) => void;
}

/**
 * SQLSTATEs that mean "the server is there but not ready": retry. Every other server error (auth,
 * missing database) will not go away by waiting or starting anything.
 */
const NOT_READY = new Set(['57P03' /* cannot_connect_now: starting up */, '57P01' /* admin_shutdown */]);

/** One `SELECT 1`. Server errors other than "starting up" are non-retriable ServiceErrors. */
export async function probePostgres(url: string, timeoutMs = 5_000): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => undefined); // a server going away after the probe must not crash us
  try {
    await withTimeout(client.connect(), timeoutMs + 1_000, 'postgres connect');
    await client.query('SELECT 1');
  } catch (err) {
    if (err instanceof pg.DatabaseError && err.code && !NOT_READY.has(err.code)) {
      throw new ServiceError(
        ServiceErrorCodes.REFUSED,
        'postgres',
        `${redactUrl(url)} answers but refuses: ${err.message} (SQLSTATE ${err.code})`,
        {
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    await withTimeout(client.end(), 2_000, 'postgres disconnect').catch(() => undefined);
  }
}

/** PostgreSQL is ours to start only at the machine's own default address; elsewhere we only check. */
export function isLocalDefaultPostgres(url: string): boolean {
  return isSameLocalEndpoint(urlHostPort(url, 5432), urlHostPort(DEFAULT_DATABASE_URL, 5432));
}

export async function ensurePostgres(options: PostgresServiceOptions = {}): Promise<ServiceUp> {
  const startedAt = Date.now();
  const url = options.url ?? DEFAULT_DATABASE_URL;
  const address = redactUrl(url);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const local = isLocalDefaultPostgres(url);
  try {
    await probePostgres(url);
    return {
      service: 'postgres',
      action: local ? 'reused' : 'external',
      address,
      elapsedMs: Date.now() - startedAt,
    };
  } catch (err) {
    if (err instanceof ServiceError) throw err; // refused: neither waiting nor starting helps
  }
  // Not ours to start, or something already listens there (starting a second server cannot help):
  // then only wait for it.
  const { host, port } = urlHostPort(url, 5432);
  if (!local || (await isPortOpen(host, port))) {
    await waitUntil(() => probePostgres(url).then(() => true), {
      service: 'postgres',
      timeoutMs,
      what: `PostgreSQL at ${address}`,
    });
    return {
      service: 'postgres',
      action: local ? 'reused' : 'external',
      address,
      elapsedMs: Date.now() - startedAt,
    };
  }
  const version = await startLocalCluster(options.progress ?? (() => undefined));
  await waitUntil(() => probePostgres(url).then(() => true), {
    service: 'postgres',
    timeoutMs,
    what: `PostgreSQL ${version} at ${address} after starting it`,
  });
  return {
    service: 'postgres',
    action: 'started',
    address,
    elapsedMs: Date.now() - startedAt,
    detail: `pg_ctlcluster ${version} main`,
  };
}

/** Start the Debian cluster `main` of the installed PostgreSQL version, the way the machine does. */
async function startLocalCluster(progress: (message: string) => void): Promise<string> {
  let versions: string[];
  try {
    versions = (await readdir('/etc/postgresql'))
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
  } catch (err) {
    throw new ServiceError(
      ServiceErrorCodes.COMMAND_MISSING,
      'postgres',
      'PostgreSQL is not installed (no /etc/postgresql)',
      { cause: err },
    );
  }
  const version = versions[0];
  if (!version)
    throw new ServiceError(
      ServiceErrorCodes.COMMAND_MISSING,
      'postgres',
      'no PostgreSQL cluster under /etc/postgresql',
    );
  progress(`starting PostgreSQL ${version} (pg_ctlcluster ${version} main start)`);
  const result = await runCommand('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
    service: 'postgres',
    timeoutMs: 120_000,
  });
  // Exit 2 with "already running" is fine: it may be up but still recovering; the wait decides.
  if (result.exitCode !== 0 && !/already running/i.test(result.output)) {
    throw new ServiceError(
      ServiceErrorCodes.COMMAND_FAILED,
      'postgres',
      `pg_ctlcluster ${version} main start exited ${result.exitCode}:\n${lastLines(result.output, 15)}`,
    );
  }
  return version;
}

export async function postgresStatus(options: PostgresServiceOptions = {}): Promise<ServiceStatus> {
  const url = options.url ?? DEFAULT_DATABASE_URL;
  const status: ServiceStatus = { service: 'postgres', state: 'up', address: redactUrl(url), managed: false };
  try {
    await probePostgres(url, 3_000);
  } catch (err) {
    status.state = 'down';
    status.detail = describeError(err);
  }
  return status;
}

/** PostgreSQL is shared with everything else on the machine; `down` never stops it. */
export function postgresDown(options: PostgresServiceOptions = {}): ServiceDown {
  const address = redactUrl(options.url ?? DEFAULT_DATABASE_URL);
  return {
    service: 'postgres',
    action: 'left-running',
    address,
    detail: 'shared system service; bondtrack does not stop it',
  };
}
