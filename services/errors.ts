import { BondtrackError } from '../runtime/errors.js';

/** The services `bondtrack services` manages or checks. */
export type ServiceName = 'kafka' | 'postgres' | 'mosquitto' | 'socat';

/**
 * Stable codes of everything that can go wrong while bringing services up or down. Scripts and CI
 * logs key on them, so they never change meaning.
 */
export const ServiceErrorCodes = {
  /** A service did not become healthy before its deadline. */
  TIMEOUT: 'BT_SERVICES_TIMEOUT',
  /** A program we need (java, mvn, pg_ctlcluster, mosquitto, apt-get) is not installed. */
  COMMAND_MISSING: 'BT_SERVICES_COMMAND_MISSING',
  /** A program we ran exited with an error. */
  COMMAND_FAILED: 'BT_SERVICES_COMMAND_FAILED',
  /** Maven could not fetch the Kafka jars. */
  KAFKA_FETCH: 'BT_SERVICES_KAFKA_FETCH',
  /** kafka.tools.StorageTool could not format the data dir. */
  KAFKA_FORMAT: 'BT_SERVICES_KAFKA_FORMAT',
  /** The broker process we started exited before it became healthy. */
  KAFKA_EXITED: 'BT_SERVICES_KAFKA_EXITED',
  /** Our broker already runs with other ports than the ones asked for. */
  KAFKA_CONFLICT: 'BT_SERVICES_KAFKA_CONFLICT',
  /** A port we need is held by something that is not the service we expect. */
  PORT_IN_USE: 'BT_SERVICES_PORT_IN_USE',
  /** The service answers but refuses us (auth, missing database, …); starting it cannot help. */
  REFUSED: 'BT_SERVICES_REFUSED',
  /** Another `services up|down` holds the lock for too long. */
  LOCK_TIMEOUT: 'BT_SERVICES_LOCK_TIMEOUT',
  /** One or more services could not be made healthy; the message lists each. */
  UNHEALTHY: 'BT_SERVICES_UNHEALTHY',
} as const;
export type ServiceErrorCode = (typeof ServiceErrorCodes)[keyof typeof ServiceErrorCodes];

/** A failure of one service; `service` says which, so the orchestrator can report it per service. */
export class ServiceError extends BondtrackError {
  readonly service: ServiceName;

  constructor(
    code: ServiceErrorCode,
    service: ServiceName,
    message: string,
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(code, `${service}: ${message}`, options);
    this.service = service;
  }
}

/** `services up` failed for at least one service; `failures` keeps each service's own error. */
export class ServicesUnhealthyError extends BondtrackError {
  readonly failures: ReadonlyArray<{ service: ServiceName; error: unknown }>;

  constructor(failures: ReadonlyArray<{ service: ServiceName; error: unknown }>, message: string) {
    super(ServiceErrorCodes.UNHEALTHY, message, {
      cause: new AggregateError(
        failures.map((f) => f.error),
        'service failures',
      ),
    });
    this.failures = failures;
  }
}
