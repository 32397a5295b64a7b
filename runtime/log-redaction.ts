import type { LoggerOptions } from 'pino';

/**
 * Keep secrets out of logs. Two nets: field names that hold secrets are censored wherever they
 * sit (pino `redact`, fast-redact paths), and any `scheme://user:password@host` in a logged string
 * (a DATABASE_URL in an error message, an MQTT URL in a connect line) loses its password.
 */

export const CENSOR = '***';

// Not `key`: that is a Kafka message key (an EPC), which the logs need.
const SECRET_KEYS = [
  'password',
  'passwd',
  'token',
  'secret',
  'authorization',
  'apiKey',
  'privateKey',
  'sasl',
];

/** Paths for pino's redact: the key at the top level and one or two levels down. */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]).concat([
  'req.headers.authorization',
  'headers.authorization',
]);

// userinfo per RFC 3986 §3.2.1: everything between "//" and "@" without "/", "?", "#" or "@".
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:)[^/?#@\s]*@/gi;

/** `postgres://u:secret@h/db` → `postgres://u:***@h/db`, anywhere in the text. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, `$1${CENSOR}@`);
}

/** The same for every string in a log object, a few levels deep (log objects are shallow). */
export function redactUrlsIn(value: unknown, depth = 4): unknown {
  if (typeof value === 'string') return redactUrlPasswords(value);
  if (depth === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactUrlsIn(v, depth - 1));
  if (value instanceof Error) {
    // pino serializes it later, message and stack included: hand it a cleaned copy of the same
    // class (so `type` still names it) instead.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error;
    Object.assign(copy, value);
    copy.message = redactUrlPasswords(value.message);
    if (value.stack !== undefined) copy.stack = redactUrlPasswords(value.stack);
    if (value.cause !== undefined) copy.cause = redactUrlsIn(value.cause, depth - 1);
    return copy;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactUrlsIn(v, depth - 1);
  return out;
}

/** pino options that apply both nets. */
export function redactionOptions(): Pick<LoggerOptions, 'redact' | 'formatters' | 'hooks'> {
  return {
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: { log: (object) => redactUrlsIn(object) as Record<string, unknown> },
    hooks: {
      // The message string (and printf arguments) do not pass through formatters.log.
      logMethod(args, method) {
        const clean = args.map((a) => (typeof a === 'string' ? redactUrlPasswords(a) : a)) as typeof args;
        method.apply(this, clean);
      },
    },
  };
}
