import { connect } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

/** The host and port a service URL points at, with the scheme's default port filled in. */
export function urlHostPort(url: string, defaultPort: number): HostPort {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return { host, port: parsed.port === '' ? defaultPort : Number(parsed.port) };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * True when two endpoints are the same local service: `localhost`, `127.0.0.1` and `::1` count as
 * one host, because whether we may start a service depends on "is it ours to start", not on spelling.
 */
export function isSameLocalEndpoint(a: HostPort, b: HostPort): boolean {
  return LOOPBACK.has(a.host) && LOOPBACK.has(b.host) && a.port === b.port;
}

/**
 * Whether something accepts TCP connections on host:port. A cheap first look before a real health
 * check: a refused connection answers in microseconds, whereas client libraries retry and back off.
 */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (open: boolean): void => {
      socket.removeAllListeners();
      socket.on('error', () => undefined); // a late error after destroy must not become uncaught
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Display a URL without its password (DATABASE_URL may carry one). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
