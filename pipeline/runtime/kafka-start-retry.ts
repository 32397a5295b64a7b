import { BondtrackError, describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';

/**
 * Broker answers that only mean "not yet": the metadata of a topic just created has not reached the
 * broker's cache, a partition has no leader yet, a restarted broker is still loading its logs or
 * its group/transaction coordinator. kafkajs retries some of them itself, but not all and not
 * everywhere: `consumer.subscribe` and `admin.createTopics({ waitForLeaders })` give up at once on
 * UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition"), which a loaded
 * KRaft broker answers for a moment after it created a topic (seen in the fault suite, 2026-11-26).
 */
const RETRIABLE_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_CONTROLLER',
  'NOT_ENOUGH_REPLICAS',
  'KAFKA_STORAGE_ERROR',
  'REBALANCE_IN_PROGRESS',
]);

/** kafkajs errors raised when a broker cannot be reached or does not answer (restarting, busy). */
const RETRIABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
]);

/**
 * Whether trying the same Kafka call again later can succeed. kafkajs wraps the last error of its
 * own retries (KafkaJSNumberOfRetriesExceeded, "retries exhausted") in `cause`: the cause decides.
 * Everything else — authentication, authorisation, invalid configuration, our own errors — is
 * fatal: waiting does not fix it, so start-up must fail fast and say why.
 */
export function isRetriableKafkaError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    const { type } = e as { type?: unknown };
    if (typeof type === 'string' && RETRIABLE_TYPES.has(type)) return true;
    if (RETRIABLE_NAMES.has(e.name)) return true;
    // KafkaJSAggregateError (CreateTopics answers one error per topic): retriable when all are.
    const { errors } = e as { errors?: unknown };
    if (Array.isArray(errors) && errors.length > 0 && errors.every(isRetriableKafkaError)) return true;
    e = e.cause;
  }
  return false;
}

export interface KafkaRetryOptions {
  /** Give up after this long in all. */
  timeoutMs: number;
  /** First wait between attempts, doubled up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called before each wait with the error that caused it and the wait. */
  onRetry?: (err: unknown, delayMs: number) => Promise<void> | void;
}

/**
 * Ask Kafka again, with a growing pause, while it answers "not yet" (`isRetriableKafkaError`): a
 * broker starting or loaded, a partition just created without its leader yet, a controller that
 * timed out. Any other error, or one still coming at the deadline, is thrown as it came. The one
 * retry loop behind starting stages (`retryKafkaStart`), creating topics (`createTopicsSurely`)
 * and the bench's offset reads.
 */
export async function askKafkaAgain<T>(ask: () => Promise<T>, options: KafkaRetryOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (let delayMs = options.initialDelayMs; ; delayMs = Math.min(delayMs * 2, options.maxDelayMs)) {
    try {
      return await ask();
    } catch (err) {
      if (!isRetriableKafkaError(err) || Date.now() + delayMs > deadline) throw err;
      await options.onRetry?.(err, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

export interface KafkaStartRetryOptions {
  log: Logger;
  /** Give up after this long in all. Default 120 000 ms: a restarted broker loads for a while. */
  timeoutMs?: number;
  /** First wait between attempts, doubled up to `maxDelayMs`. Default 250 ms. */
  initialDelayMs?: number;
  /** Default 5 000 ms. */
  maxDelayMs?: number;
  /** Undo what a failed attempt left behind (e.g. disconnect a half-started client). */
  beforeRetry?: () => Promise<void> | void;
}

/**
 * Run one start-up step against Kafka, retrying it with bounded exponential backoff while it fails
 * with a retriable Kafka error (each retry logged at warn); a fatal error fails at once with
 * BT_KAFKA_START_FAILED, a step still failing at the deadline with BT_KAFKA_START_TIMEOUT. The
 * step must be safe to repeat (our topic creation and subscriptions are).
 */
export async function retryKafkaStart<T>(
  what: string,
  step: () => Promise<T>,
  options: KafkaStartRetryOptions,
): Promise<T> {
  let attempt = 1;
  try {
    return await askKafkaAgain(step, {
      timeoutMs: options.timeoutMs ?? 120_000,
      initialDelayMs: options.initialDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 5_000,
      onRetry: async (err, delayMs) => {
        options.log.warn(
          { step: what, attempt, retryInMs: delayMs, err: describeError(err) },
          'kafka not ready; retrying',
        );
        attempt++;
        try {
          await options.beforeRetry?.();
        } catch (cleanup) {
          options.log.warn({ step: what, err: describeError(cleanup) }, 'clean-up before retry failed');
        }
      },
    });
  } catch (err) {
    const reason = describeError(err);
    if (!isRetriableKafkaError(err))
      throw new BondtrackError('BT_KAFKA_START_FAILED', `${what} failed: ${reason}`, { cause: err });
    throw new BondtrackError(
      'BT_KAFKA_START_TIMEOUT',
      `${what} still failing after ${attempt} attempts: ${reason}`,
      {
        cause: err,
        retriable: true,
      },
    );
  }
}
