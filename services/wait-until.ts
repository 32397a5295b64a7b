import { setTimeout as delay } from 'node:timers/promises';
import { BondtrackError, describeError } from '../runtime/errors.js';
import { ServiceError, ServiceErrorCodes, type ServiceName } from './errors.js';

export interface WaitOptions {
  /** Whose readiness this is; names the service in the timeout error. */
  service: ServiceName;
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between probes. Default 250 ms. */
  intervalMs?: number;
  /** What we wait for, for the timeout message ("kafka at 127.0.0.1:9092 to answer"). */
  what: string;
  /** Text appended to the timeout message, read when the time is up (say, the end of a log). */
  explainTimeout?: () => Promise<string>;
}

/**
 * Polls `probe` until it returns a value. A probe that throws or returns undefined is tried again,
 * except when it throws a non-retriable BondtrackError: that means waiting cannot help (the process
 * we started died, the server refused our credentials) and it is rethrown at once.
 * On timeout the error carries the last failure as `cause`.
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let lastError: unknown;
  while (true) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof BondtrackError && !err.retriable) throw err;
      lastError = err;
    }
    const leftMs = deadline - Date.now();
    if (leftMs <= 0) {
      const last = lastError === undefined ? '' : ` (last error: ${describeError(lastError)})`;
      const explanation = options.explainTimeout ? `; ${await options.explainTimeout()}` : '';
      const message = `timed out after ${formatSeconds(options.timeoutMs)} waiting for ${options.what}${last}${explanation}`;
      throw new ServiceError(ServiceErrorCodes.TIMEOUT, options.service, message, {
        cause: lastError,
        retriable: true,
      });
    }
    await delay(Math.min(intervalMs, leftMs));
  }
}

/**
 * Rejects when `promise` takes longer than `timeoutMs`. Client libraries have their own timeouts,
 * but not for every phase (a TCP peer that accepts and never answers), and a health check that
 * hangs would hang `services up`.
 */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took longer than ${formatSeconds(timeoutMs)}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
