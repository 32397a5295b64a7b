import { BondtrackError, describeError } from '../../runtime/errors.js';

/**
 * SQLSTATE classes and codes after which the same statement can succeed if tried again:
 * the connection broke (08), the server is shutting down or out of resources (53, 57P01-03),
 * or the transaction lost a race (40001 serialization, 40P01 deadlock).
 * Everything else (22 data exception, 23 constraint, 42 syntax/undefined) fails again on retry,
 * so the sink must dead-letter the batch instead of looping on it.
 */
const RETRIABLE_CLASSES = new Set(['08', '53']);
const RETRIABLE_CODES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '55P03']);

/** Node socket errors that mean the connection, not the statement, failed. */
const RETRIABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** A failed database operation; `sqlState` is PostgreSQL's error code when the server sent one. */
export class DatabaseError extends BondtrackError {
  readonly sqlState: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; retriable?: boolean; sqlState?: string } = {},
  ) {
    super(code, message, options);
    this.sqlState = options.sqlState;
  }
}

function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Whether trying the same statement again can help (see the SQLSTATE table above). */
export function isRetriableDbError(err: unknown): boolean {
  if (err instanceof BondtrackError) return err.retriable;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRIABLE_NODE_CODES.has(code)) return true;
  const state = sqlStateOf(err);
  if (state !== undefined) return RETRIABLE_CODES.has(state) || RETRIABLE_CLASSES.has(state.slice(0, 2));
  // pg raises plain Errors for a lost connection ("Connection terminated unexpectedly", timeouts).
  return err instanceof Error && /connection|terminated|timeout/i.test(err.message);
}

/** Wrap anything a database call threw, keeping the cause and the SQLSTATE. */
export function toDatabaseError(code: string, what: string, err: unknown): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const sqlState = sqlStateOf(err);
  return new DatabaseError(
    code,
    `${what}: ${describeError(err)}${sqlState ? ` (SQLSTATE ${sqlState})` : ''}`,
    {
      cause: err,
      retriable: isRetriableDbError(err),
      ...(sqlState === undefined ? {} : { sqlState }),
    },
  );
}
