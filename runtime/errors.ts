/**
 * The base of every error Bondtrack raises on purpose. `code` is stable (dashboards, alerts and
 * dead-letter records key on it); `retriable` tells retry loops whether trying again can help.
 */
export class BondtrackError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // new.target, not a literal: subclasses get their own name without repeating it.
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Options or configuration that cannot work; the message names the field. */
export class ConfigError extends BondtrackError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BT_CONFIG_INVALID', message, options);
  }
}

/** Render anything thrown as one line for logs and dead-letter reasons. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    // An aggregate's message says only that something failed ("Topic creation errors"): say what.
    const { errors } = err as { errors?: unknown };
    if (Array.isArray(errors) && errors.length > 0)
      return `${err.message} (${errors.map((e) => describeError(e)).join('; ')})`;
    // kafkajs's per-topic errors name their topic.
    const { topic } = err as { topic?: unknown };
    if (typeof topic === 'string') return `${topic}: ${err.message}`;
    return err.message;
  }
  return String(err);
}
