import { DEFAULT_DATABASE_URL, DEFAULT_MQTT_URL } from '../runtime/config.js';
import { BondtrackError, describeError } from '../runtime/errors.js';
import { ServicesUnhealthyError, type ServiceName } from './errors.js';
import { ensureKafka, kafkaStatus, stopKafka, type KafkaServiceOptions } from './kafka.js';
import type { KafkaOptions } from './kafka-options.js';
import { ensureMosquitto, mosquittoDown, mosquittoStatus } from './mosquitto.js';
import { ensurePostgres, postgresDown, postgresStatus } from './postgres.js';
import type { ServiceDown, ServiceStatus, ServiceUp } from './service-report.js';
import { ensureSocat, socatDown, socatStatus } from './socat.js';

export interface ServicesOptions {
  /**
   * Kafka brokers someone else runs; Bondtrack then only checks them. Default: KAFKA_BROKERS from
   * `env`; when that is unset too, Bondtrack runs its own broker on 127.0.0.1 (see `kafka`).
   */
  kafkaBrokers?: readonly string[];
  /** Default: MQTT_URL from `env`, else mqtt://127.0.0.1:1883 (started if down). */
  mqttUrl?: string;
  /** Default: DATABASE_URL from `env`, else postgres://postgres@127.0.0.1:5432/test (started if down). */
  databaseUrl?: string;
  /** Bondtrack's own broker: ports, heap, cache and data dirs. */
  kafka?: KafkaOptions;
  /** Where defaults come from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines for people ("fetching Kafka jars…"). Default: none. */
  progress?: (message: string) => void;
}

/** The addresses clients use, once everything is up. */
export interface ServiceEndpoints {
  kafkaBrokers: string[];
  mqttUrl: string;
  databaseUrl: string;
  socatPath: string;
}

export interface ServicesUpResult {
  endpoints: ServiceEndpoints;
  services: { kafka: ServiceUp; postgres: ServiceUp; mosquitto: ServiceUp; socat: ServiceUp };
  elapsedMs: number;
}

export interface ServicesStatusResult {
  /** True when every service is up. */
  ok: boolean;
  services: { kafka: ServiceStatus; postgres: ServiceStatus; mosquitto: ServiceStatus; socat: ServiceStatus };
}

export interface ServicesDownResult {
  services: { kafka: ServiceDown; postgres: ServiceDown; mosquitto: ServiceDown; socat: ServiceDown };
}

interface Resolved {
  kafka: KafkaServiceOptions;
  mqttUrl: string;
  databaseUrl: string;
  progress: (message: string) => void;
}

function resolve(options: ServicesOptions): Resolved {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => undefined);
  const fromEnv = env['KAFKA_BROKERS']
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const externalBrokers = options.kafkaBrokers ?? (fromEnv && fromEnv.length > 0 ? fromEnv : undefined);
  const kafka: KafkaServiceOptions = { progress: (m) => progress(`kafka: ${m}`) };
  if (externalBrokers) kafka.externalBrokers = externalBrokers;
  if (options.kafka) kafka.kafka = options.kafka;
  return {
    kafka,
    mqttUrl: options.mqttUrl ?? env['MQTT_URL'] ?? DEFAULT_MQTT_URL,
    databaseUrl: options.databaseUrl ?? env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL,
    progress,
  };
}

/**
 * Make every service the tests and the demo need healthy, concurrently: Kafka (our own broker unless
 * KAFKA_BROKERS says otherwise), PostgreSQL and Mosquitto (started when down at their local default
 * address, only checked elsewhere), and socat (installed when missing).
 * Idempotent: a second call reuses everything and takes well under a second.
 * Throws ServicesUnhealthyError (BT_SERVICES_UNHEALTHY), naming every service that failed and why.
 */
export async function servicesUp(options: ServicesOptions = {}): Promise<ServicesUpResult> {
  const startedAt = Date.now();
  const r = resolve(options);
  const tagged = (service: ServiceName) => (m: string) => r.progress(`${service}: ${m}`);
  const settled = await Promise.allSettled([
    ensureKafka(r.kafka),
    ensurePostgres({ url: r.databaseUrl, progress: tagged('postgres') }),
    ensureMosquitto({ url: r.mqttUrl, progress: tagged('mosquitto') }),
    ensureSocat({ progress: tagged('socat') }),
  ]);
  const names: ServiceName[] = ['kafka', 'postgres', 'mosquitto', 'socat'];
  const failures = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [{ service: names[i] ?? 'kafka', error: s.reason as unknown }] : [],
  );
  if (failures.length > 0) {
    const lines = failures
      .map(
        (f) => `- ${f.error instanceof BondtrackError ? `[${f.error.code}] ` : ''}${describeError(f.error)}`,
      )
      .join('\n');
    const healthy = settled.flatMap((s) =>
      s.status === 'fulfilled' ? [`${s.value.service} (${s.value.action})`] : [],
    );
    const tail = healthy.length > 0 ? `\nhealthy: ${healthy.join(', ')}` : '';
    throw new ServicesUnhealthyError(failures, `services not healthy:\n${lines}${tail}`);
  }
  const [kafka, postgres, mosquitto, socat] = [
    fulfilled(settled[0]),
    fulfilled(settled[1]),
    fulfilled(settled[2]),
    fulfilled(settled[3]),
  ];
  return {
    endpoints: {
      kafkaBrokers: kafka.brokers,
      mqttUrl: r.mqttUrl,
      databaseUrl: r.databaseUrl,
      socatPath: socat.address,
    },
    services: { kafka, postgres, mosquitto, socat },
    elapsedMs: Date.now() - startedAt,
  };
}

/** Check every service without starting or stopping anything. */
export async function servicesStatus(options: ServicesOptions = {}): Promise<ServicesStatusResult> {
  const r = resolve(options);
  const [kafka, postgres, mosquitto, socat] = await Promise.all([
    kafkaStatus(r.kafka),
    postgresStatus({ url: r.databaseUrl }),
    mosquittoStatus({ url: r.mqttUrl }),
    socatStatus(),
  ]);
  const services = { kafka, postgres, mosquitto, socat };
  return { ok: Object.values(services).every((s) => s.state === 'up'), services };
}

/**
 * Stop what Bondtrack started: its own Kafka broker. PostgreSQL and Mosquitto are shared machine
 * services and anyone else's broker is theirs, so those are reported as left running.
 */
export async function servicesDown(options: ServicesOptions = {}): Promise<ServicesDownResult> {
  const r = resolve(options);
  const kafka = await stopKafka(r.kafka);
  return {
    services: {
      kafka,
      postgres: postgresDown({ url: r.databaseUrl }),
      mosquitto: mosquittoDown({ url: r.mqttUrl }),
      socat: await socatDown(),
    },
  };
}

/** Only called once every result is known to be fulfilled. */
function fulfilled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
