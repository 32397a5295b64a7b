import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { BondtrackError, describeError } from '../../runtime/errors.js';
import { requireToken } from '../../runtime/http-token.js';
import type { Logger } from '../../runtime/logger.js';
import type { SiteLayout } from '../../schemas/index.js';
import { exportEpcis } from './epcis-document.js';

export interface EpcisServerOptions {
  pool: pg.Pool;
  schema: string;
  site: SiteLayout;
  logger: Logger;
  /** 127.0.0.1 unless given: zone events are not for everyone. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Bearer token required on /events (RFC 6750). Unset: none. /health stays open for probes. */
  token?: string | undefined;
}

export interface EpcisServer {
  readonly url: string;
  close(): Promise<void>;
}

/** A query the client got wrong: 400 with the stable code. */
class EpcisQueryError extends BondtrackError {
  constructor(message: string) {
    super('BT_EPCIS_BAD_QUERY', message);
  }
}

function timeParam(params: URLSearchParams, name: string): Date {
  const text = params.get(name);
  const date = text === null ? undefined : new Date(text);
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new EpcisQueryError(
      `query parameter ${name} must be an ISO 8601 time, got ${JSON.stringify(text)}`,
    );
  }
  return date;
}

/**
 * GET /events?from=ISO&to=ISO[&zone=ID] → an EPCIS 2.0 document (application/ld+json) of the zone
 * events in [from, to). A read-only subset of the EPCIS 2.0 REST query interface's idea, not the
 * full /queries API. GET /health → 200.
 */
export async function startEpcisServer(options: EpcisServerOptions): Promise<EpcisServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'text/plain', 'only GET\n');
    if (url.pathname === '/health') return send(200, 'text/plain', 'ok\n');
    if (!requireToken(req, res, options.token)) return;
    if (url.pathname !== '/events') return send(404, 'text/plain', 'not found: try /events?from=…&to=…\n');
    try {
      const from = timeParam(url.searchParams, 'from');
      const to = timeParam(url.searchParams, 'to');
      if (from >= to) throw new EpcisQueryError('from must be before to');
      const zone = url.searchParams.get('zone') ?? undefined;
      const doc = await exportEpcis(options.pool, options.schema, options.site, {
        from,
        to,
        ...(zone === undefined ? {} : { zone }),
      });
      send(200, 'application/ld+json', JSON.stringify(doc));
    } catch (err) {
      const bad = err instanceof EpcisQueryError;
      options.logger.warn({ err: describeError(err), url: req.url }, 'EPCIS query failed');
      const code = err instanceof BondtrackError ? err.code : 'BT_EPCIS_FAILED';
      send(bad ? 400 : 500, 'application/json', JSON.stringify({ error: describeError(err), code }));
    }
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
