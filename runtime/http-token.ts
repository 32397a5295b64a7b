import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readSecret, readSecretFile } from './secrets.js';

/**
 * Bearer-token check shared by every HTTP endpoint we serve (EPCIS query API, native-adapter
 * webhook, ops/metrics). RFC 6750 §2.1: `Authorization: Bearer <token>`.
 */

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The token a request presents, or undefined when the header is absent or not a bearer token. */
export function bearerToken(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

/** Compare in constant time. Hashing first gives equal lengths, so the length leaks nothing. */
function equalSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/**
 * True when no token is configured (auth off) or the request presents exactly that token.
 * An empty configured token counts as "no token": an empty secret would protect nothing.
 */
export function authorize(req: Pick<IncomingMessage, 'headers'>, token: string | undefined): boolean {
  if (token === undefined || token === '') return true;
  const presented = bearerToken(req);
  if (presented === undefined) return false;
  return equalSecret(presented, token);
}

/** Answer 401 with the RFC 6750 §3 challenge; the body names no detail an attacker could use. */
export function sendUnauthorized(res: ServerResponse, realm = 'bondtrack'): void {
  res.writeHead(401, {
    'content-type': 'application/json',
    'www-authenticate': `Bearer realm="${realm}"`,
  });
  res.end(JSON.stringify({ error: 'unauthorized' }));
}

/**
 * Check the request and send 401 when it fails. Returns true when the handler may go on:
 * `if (!requireToken(req, res, token)) return;`
 */
export function requireToken(req: IncomingMessage, res: ServerResponse, token: string | undefined): boolean {
  if (authorize(req, token)) return true;
  sendUnauthorized(res);
  return false;
}

/** Token of the EPCIS endpoint and the reader webhook: BONDTRACK_HTTP_TOKEN or BONDTRACK_HTTP_TOKEN_FILE. */
export const HTTP_TOKEN_ENV = 'BONDTRACK_HTTP_TOKEN';

/**
 * The bearer token an HTTP endpoint demands: from `--token-file` when given, else from the
 * environment (`HTTP_TOKEN_ENV`, or the file its `_FILE` variant names). Never from a flag value.
 */
export function httpTokenFrom(
  tokenFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  name = HTTP_TOKEN_ENV,
): string | undefined {
  if (tokenFile !== undefined) return readSecretFile(tokenFile, '--token-file');
  return readSecret(name, env);
}
