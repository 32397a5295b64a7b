import { describeError } from '../runtime/errors.js';
import { kafkaSecurityFromEnv, type KafkaSecurity } from '../runtime/kafka-client-options.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { withFileLock } from './file-lock.js';
import { formatStorageOnce, writeKafkaConfig } from './kafka-config.js';
import { ensureScramCredentials, formatScramArgs, upsertScramUser } from './kafka-scram.js';
import { ensureKafkaJars } from './kafka-fetch.js';
import { probeKafka } from './kafka-health.js';
import {
  brokerAddress,
  resolveKafkaLayout,
  saslBrokerAddress,
  type KafkaLayout,
  type KafkaOptions,
} from './kafka-options.js';
import {
  brokerLogTail,
  forgetBroker,
  isBrokerProcess,
  launchBroker,
  runningBroker,
  stopBroker,
  type LaunchedBroker,
} from './kafka-process.js';
import { isPortOpen } from './port-check.js';
import type { ServiceDown, ServiceStatus, ServiceUp } from './service-report.js';
import { formatSeconds, waitUntil } from './wait-until.js';

export interface KafkaServiceOptions {
  /**
   * Brokers someone else runs (KAFKA_BROKERS). When set, Bondtrack only checks them and never
   * starts or stops anything. When unset, Bondtrack runs its own broker on 127.0.0.1.
   */
  externalBrokers?: readonly string[];
  /** Settings of Bondtrack's own broker. */
  kafka?: KafkaOptions;
  /** How long to wait for external brokers to answer. Default 30 s. */
  checkTimeoutMs?: number;
  progress?: (message: string) => void;
}

export type KafkaUp = ServiceUp & { brokers: string[] };

/** A broker we find running but did not start may still be starting: give it this long. */
const FOREIGN_BROKER_GRACE_MS = 20_000;
/** Waiting for another `services up` that may be fetching jars on a cold machine. */
const LOCK_TIMEOUT_MS = 15 * 60_000;

/**
 * Make Kafka healthy: reuse a broker that answers, else fetch, format and start our own, then wait
 * until it can create a topic. Idempotent and safe to run from several processes at once.
 */
export async function ensureKafka(options: KafkaServiceOptions = {}): Promise<KafkaUp> {
  const startedAt = Date.now();
  const progress = options.progress ?? (() => undefined);
  if (options.externalBrokers) {
    const brokers = [...options.externalBrokers];
    // Brokers someone else runs may demand SASL/TLS: the same KAFKA_SASL_*/KAFKA_TLS as the pipeline.
    const security = kafkaSecurityFromEnv();
    await waitUntil(() => probeKafka(brokers, { security }), {
      service: 'kafka',
      timeoutMs: options.checkTimeoutMs ?? 30_000,
      what: `the configured Kafka brokers (${brokers.join(',')}) to answer`,
    });
    return {
      service: 'kafka',
      action: 'external',
      address: brokers.join(','),
      brokers,
      elapsedMs: Date.now() - startedAt,
    };
  }
  const layout = resolveKafkaLayout(options.kafka);
  const quick = await reuseIfHealthy(layout, startedAt, progress);
  if (quick) return quick;
  return withFileLock(layout.lockFile, () => startUnderLock(layout, progress, startedAt), {
    service: 'kafka',
    timeoutMs: LOCK_TIMEOUT_MS,
    onWait: (pid) => progress(`waiting for another bondtrack process (pid ${pid}) that is bringing Kafka up`),
  });
}

async function reuseIfHealthy(
  layout: KafkaLayout,
  startedAt: number,
  progress: (message: string) => void,
): Promise<KafkaUp | undefined> {
  if (!(await isPortOpen(layout.host, layout.port))) return undefined;
  try {
    await probeKafka([brokerAddress(layout)], { timeoutMs: 10_000 });
  } catch {
    return undefined;
  }
  return reused(layout, startedAt, progress);
}

async function reused(
  layout: KafkaLayout,
  startedAt: number,
  progress: (message: string) => void,
): Promise<KafkaUp> {
  const ours = await runningBroker(layout);
  const address = brokerAddress(layout);
  const base = { service: 'kafka' as const, action: 'reused' as const, address, brokers: [address] };
  const missing = await missingSaslListener(layout);
  if (missing) progress(`WARNING: ${missing}`);
  const warning = missing ? `; ${missing}` : '';
  if (ours?.port === layout.port) {
    return {
      ...base,
      pid: ours.pid,
      elapsedMs: Date.now() - startedAt,
      detail: `started by bondtrack at ${ours.startedAt}; log ${layout.logFile}${warning}`,
    };
  }
  return {
    ...base,
    elapsedMs: Date.now() - startedAt,
    detail: `not started by bondtrack; \`services down\` leaves it running${warning}`,
  };
}

/**
 * A broker started before the SCRAM listener existed keeps running without it; `services up`
 * reuses it (restarting a shared broker is not its call), so say plainly what is missing.
 */
async function missingSaslListener(layout: KafkaLayout): Promise<string | undefined> {
  const sasl = saslBrokerAddress(layout);
  if (sasl === undefined || (await isPortOpen(layout.host, layout.saslPort ?? 0))) return undefined;
  return `the running broker has no SASL/SCRAM listener on ${sasl} (it was started with an older config); restart it with \`bondtrack services down && bondtrack services up\` to get it`;
}

async function startUnderLock(
  layout: KafkaLayout,
  progress: (message: string) => void,
  startedAt: number,
): Promise<KafkaUp> {
  // Whoever held the lock before us may have just brought it up.
  const again = await reuseIfHealthy(layout, startedAt, progress);
  if (again) return again;

  const ours = await runningBroker(layout);
  if (ours) {
    if (ours.port !== layout.port || ours.controllerPort !== layout.controllerPort) {
      throw new ServiceError(
        ServiceErrorCodes.KAFKA_CONFLICT,
        'kafka',
        `bondtrack's broker (pid ${ours.pid}) already runs on ports ${ours.port}/${ours.controllerPort}, not ${layout.port}/${layout.controllerPort}; run \`bondtrack services down\` first`,
      );
    }
    // Alive but not healthy: still starting (its starter died), or wedged. A second broker on the
    // same data dir could not start anyway (Kafka locks the log dir), so wait for this one.
    progress(`waiting for the broker started earlier (pid ${ours.pid}) to become healthy`);
    await waitForHealthy(layout, { pid: ours.pid, exit: undefined });
    return reused(layout, startedAt, progress);
  }
  await forgetBroker(layout);

  const address = brokerAddress(layout);
  if (await isPortOpen(layout.host, layout.port)) {
    progress(
      `${address} is open but not healthy yet; waiting up to ${formatSeconds(FOREIGN_BROKER_GRACE_MS)} before giving up`,
    );
    try {
      await waitUntil(() => probeKafka([address]), {
        service: 'kafka',
        timeoutMs: FOREIGN_BROKER_GRACE_MS,
        what: address,
      });
      return reused(layout, startedAt, progress);
    } catch (err) {
      throw new ServiceError(
        ServiceErrorCodes.PORT_IN_USE,
        'kafka',
        `${address} is taken by a process that is not a healthy Kafka broker (${describeError(err)}); stop it or choose another port (--kafka-port)`,
        { cause: err },
      );
    }
  }
  if (await isPortOpen(layout.host, layout.controllerPort)) {
    throw new ServiceError(
      ServiceErrorCodes.PORT_IN_USE,
      'kafka',
      `controller port ${layout.host}:${layout.controllerPort} is taken by another process; choose another (--kafka-controller-port)`,
    );
  }

  if (layout.saslPort !== undefined && (await isPortOpen(layout.host, layout.saslPort))) {
    throw new ServiceError(
      ServiceErrorCodes.PORT_IN_USE,
      'kafka',
      `SASL port ${layout.host}:${layout.saslPort} is taken by another process; choose another (--kafka-sasl-port)`,
    );
  }

  await ensureKafkaJars(layout, progress);
  await writeKafkaConfig(layout);
  const scram = await ensureScramCredentials(layout);
  const formatted = await formatStorageOnce(layout, progress, scram ? formatScramArgs(scram) : []);
  const broker = await launchBroker(layout);
  progress(
    `started broker pid ${broker.pid} on ${address} (log: ${layout.logFile}); waiting until it is healthy`,
  );
  try {
    await waitForHealthy(layout, broker);
  } catch (err) {
    // A dead broker's pid file only misleads `status`. One that is alive but slow stays running and
    // recorded: the next `up` waits for it instead of starting over.
    if (!(await isBrokerProcess(layout, broker.pid))) await forgetBroker(layout);
    throw err;
  }
  if (scram && !formatted) {
    // Formatted before SCRAM existed here, or formatted by an older Bondtrack: add the user now.
    progress(`creating SCRAM user ${scram.username} (credentials in ${layout.scramCredentialsFile})`);
    await upsertScramUser(layout, scram);
  }
  const elapsedMs = Date.now() - startedAt;
  progress(`broker healthy after ${formatSeconds(elapsedMs)}`);
  return {
    service: 'kafka',
    action: 'started',
    address,
    brokers: [address],
    pid: broker.pid,
    elapsedMs,
    detail: `log ${layout.logFile}`,
  };
}

async function waitForHealthy(layout: KafkaLayout, broker: LaunchedBroker): Promise<void> {
  const address = brokerAddress(layout);
  await waitUntil(
    async () => {
      if (broker.exit || !(await isBrokerProcess(layout, broker.pid))) {
        const how = broker.exit
          ? ` (exit code ${broker.exit.code ?? 'none'}, signal ${broker.exit.signal ?? 'none'})`
          : '';
        throw new ServiceError(
          ServiceErrorCodes.KAFKA_EXITED,
          'kafka',
          `the broker (pid ${broker.pid}) exited${how} before it became healthy; ${await brokerLogTail(layout)}`,
        );
      }
      if (!(await isPortOpen(layout.host, layout.port, 500))) return undefined;
      return probeKafka([address], { timeoutMs: 15_000 });
    },
    {
      service: 'kafka',
      timeoutMs: layout.startTimeoutMs,
      what: `the broker (pid ${broker.pid}) at ${address} to become healthy`,
      explainTimeout: async () =>
        `it is still running (\`bondtrack services down\` stops it); ${await brokerLogTail(layout)}`,
    },
  );
}

/** Stop the broker Bondtrack started; anything else on the port is left alone. */
export async function stopKafka(options: KafkaServiceOptions = {}): Promise<ServiceDown> {
  if (options.externalBrokers) {
    const address = options.externalBrokers.join(',');
    return {
      service: 'kafka',
      action: 'left-running',
      address,
      detail: 'configured brokers (KAFKA_BROKERS) are not managed by bondtrack',
    };
  }
  const layout = resolveKafkaLayout(options.kafka);
  const address = brokerAddress(layout);
  return withFileLock(
    layout.lockFile,
    async (): Promise<ServiceDown> => {
      const ours = await runningBroker(layout);
      if (!ours) {
        await forgetBroker(layout);
        if (await isPortOpen(layout.host, layout.port)) {
          return {
            service: 'kafka',
            action: 'left-running',
            address,
            detail: 'a broker bondtrack did not start answers there; left alone',
          };
        }
        return { service: 'kafka', action: 'not-running', address };
      }
      options.progress?.(`stopping broker pid ${ours.pid}`);
      const outcome = await stopBroker(layout, ours.pid);
      return { service: 'kafka', action: outcome, address: `${layout.host}:${ours.port}`, pid: ours.pid };
    },
    { service: 'kafka', timeoutMs: LOCK_TIMEOUT_MS },
  );
}

/** Whether Kafka answers, and whether it is the broker Bondtrack started. Changes nothing. */
export async function kafkaStatus(options: KafkaServiceOptions = {}): Promise<ServiceStatus> {
  if (options.externalBrokers) {
    const brokers = [...options.externalBrokers];
    const error = await healthError(brokers, kafkaSecurityFromEnv());
    return {
      service: 'kafka',
      state: error === undefined ? 'up' : 'down',
      address: brokers.join(','),
      managed: false,
      detail: error ?? 'configured brokers (KAFKA_BROKERS); not managed by bondtrack',
    };
  }
  const layout = resolveKafkaLayout(options.kafka);
  const address = brokerAddress(layout);
  const running = await runningBroker(layout);
  // Ours only if it serves the port asked about; `status --kafka-port` may ask about another.
  const ours = running?.port === layout.port ? running : undefined;
  const reachable = await isPortOpen(layout.host, layout.port);
  const error = reachable ? await healthError([address]) : 'nothing listens there';
  const status: ServiceStatus = {
    service: 'kafka',
    state: error === undefined ? 'up' : 'down',
    address,
    managed: ours !== undefined,
    logFile: layout.logFile,
  };
  const details: string[] = [];
  if (ours) status.pid = ours.pid;
  if (ours && error !== undefined)
    details.push(`broker pid ${ours.pid} runs but is not healthy (${error}); see the log`);
  else if (error !== undefined) details.push(error);
  else if (!ours) details.push('not started by bondtrack');
  if (error === undefined) {
    const missing = await missingSaslListener(layout);
    if (missing) details.push(missing);
  }
  if (running && !ours) details.push(`bondtrack's broker (pid ${running.pid}) runs on port ${running.port}`);
  if (details.length > 0) status.detail = details.join('; ');
  return status;
}

async function healthError(brokers: string[], security?: KafkaSecurity): Promise<string | undefined> {
  try {
    await probeKafka(brokers, { createTopic: false, timeoutMs: 5_000, ...(security ? { security } : {}) });
    return undefined;
  } catch (err) {
    return describeError(err);
  }
}
