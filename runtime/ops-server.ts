import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, describeError } from './errors.js';
import { requireToken } from './http-token.js';
import { readSecret } from './secrets.js';
import type { Logger } from './logger.js';
import { metricsRegistry, readyGauge, startDefaultMetrics } from './metrics.js';

/** A named readiness condition; `/readyz` is 200 only when every check passes. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface OpsServerOptions {
  /** TCP port; 0 picks a free one (see `port` on the running server). */
  port: number;
  /** Address to bind. Default 127.0.0.1: metrics are for the local Prometheus agent unless said otherwise. */
  host?: string;
  /**
   * Bearer token required on GET /metrics (RFC 6750). Unset or empty: no token. `/healthz` and
   * `/readyz` stay open so that probes need no secret; they reveal only ok / not ready and which
   * check is waiting.
   */
  token?: string | undefined;
  /** Readiness conditions by name, e.g. `{ mqtt: () => client.connected }`. None: ready once started. */
  readiness?: Record<string, ReadinessCheck>;
  log: Logger;
}

export interface OpsServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Add or replace readiness checks (a process often knows its parts only after they start). */
  setReadiness(checks: Record<string, ReadinessCheck>): void;
  close(): Promise<void>;
}

/** Environment variables the CLI reads for the ops server. */
export const OPS_PORT_ENV = 'BONDTRACK_OPS_PORT';
export const OPS_HOST_ENV = 'BONDTRACK_OPS_HOST';
export const OPS_TOKEN_ENV = 'BONDTRACK_OPS_TOKEN';

/** A readiness check that takes longer than this counts as failing: a probe must not hang. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * The operations endpoint every long-running process serves: `GET /metrics` (Prometheus text
 * format), `GET /healthz` (liveness: the event loop answers) and `GET /readyz` (readiness: 200 when
 * every check passes, else 503 with the names of those that do not).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)
    throw new ConfigError(`ops port must be an integer 0-65535, got ${options.port}`);
  startDefaultMetrics();
  const host = options.host ?? '127.0.0.1';
  let checks: Record<string, ReadinessCheck> = { ...options.readiness };
  let lastReady = 0;
  const stopSampling = readyGauge.sample({}, () => lastReady);

  const failing = async (): Promise<string[]> => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          const ok = await Promise.race([
            Promise.resolve(check()),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CHECK_TIMEOUT_MS).unref()),
          ]);
          return ok ? undefined : name;
        } catch {
          return name;
        }
      }),
    );
    return results.filter((n): n is string => n !== undefined);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      const waiting = await failing();
      lastReady = waiting.length === 0 ? 1 : 0;
      sendJson(res, waiting.length === 0 ? 200 : 503, { ready: waiting.length === 0, waiting });
    } else if (path === '/metrics') {
      if (!requireToken(req, res, options.token)) return;
      const body = await metricsRegistry.metrics();
      res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(body);
    } else {
      sendJson(res, 404, { error: 'not found', endpoints: ['/metrics', '/healthz', '/readyz'] });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.error({ err: describeError(err), path: req.url }, 'ops endpoint failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Probes must not keep a stopping process alive.
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.log.info(
    {
      opsUrl: url,
      endpoints: ['/metrics', '/healthz', '/readyz'],
      metricsToken: options.token ? 'required' : 'off',
    },
    'ops endpoint listening',
  );
  return {
    host,
    port,
    url,
    setReadiness(more) {
      checks = { ...checks, ...more };
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopSampling();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Ops server settings from the CLI flags and environment; `undefined` port means "no ops server". */
export function opsSettingsFrom(
  flags: { opsPort?: number | string | undefined; opsHost?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): { port: number; host: string; token: string | undefined } | undefined {
  const raw = flags.opsPort ?? env[OPS_PORT_ENV];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(`--ops-port (${OPS_PORT_ENV}) must be an integer 0-65535, got ${String(raw)}`);
  return {
    port,
    host: flags.opsHost ?? env[OPS_HOST_ENV] ?? '127.0.0.1',
    // BONDTRACK_OPS_TOKEN or BONDTRACK_OPS_TOKEN_FILE, like every other secret.
    token: readSecret(OPS_TOKEN_ENV, env),
  };
}
