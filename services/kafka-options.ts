import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../runtime/errors.js';

/** Options of the single-node broker Bondtrack runs itself for development and tests. */
export interface KafkaOptions {
  /** Client (PLAINTEXT) port on 127.0.0.1. Default 9092. */
  port?: number;
  /** KRaft controller port on 127.0.0.1. Default 9093. */
  controllerPort?: number;
  /**
   * SASL_PLAINTEXT listener with SCRAM-SHA-512/256 on 127.0.0.1; `false` for none. Default 9094 for
   * the broker on the default port 9092, none for a broker on another port (a private broker next
   * to the shared one must not collide on 9094 unless asked to).
   */
  saslPort?: number | false;
  /** Maximum JVM heap in MiB. Default 512 (the broker idles at ~250 MiB). */
  heapMb?: number;
  /** Apache Kafka version fetched from Maven Central (org.apache.kafka:kafka_2.13). Default 4.1.1. */
  version?: string;
  /** Where jars, generated config, the log and the pid file live. Default `<repo>/.cache/kafka`. */
  cacheDir?: string;
  /** KRaft log dir (topic data). Default `<cacheDir>/data`. */
  dataDir?: string;
  /** How long to wait for a started broker to become healthy. Default 90 s. */
  startTimeoutMs?: number;
}

/** Every path and setting of the managed broker, resolved and checked. */
export interface KafkaLayout {
  host: string;
  port: number;
  controllerPort: number;
  /** undefined: no SASL listener. */
  saslPort: number | undefined;
  heapMb: number;
  version: string;
  cacheDir: string;
  /** `<cacheDir>/<version>`: the generated pom.xml and the fetched marker. */
  versionDir: string;
  libsDir: string;
  dataDir: string;
  serverProperties: string;
  log4jProperties: string;
  logFile: string;
  pidFile: string;
  lockFile: string;
  /** SCRAM user and password of the SASL listener (JSON, mode 0600; .cache is git-ignored). */
  scramCredentialsFile: string;
  startTimeoutMs: number;
}

export const DEFAULT_KAFKA_VERSION = '4.1.1';
export const DEFAULT_KAFKA_PORT = 9092;
export const DEFAULT_KAFKA_CONTROLLER_PORT = 9093;
export const DEFAULT_KAFKA_SASL_PORT = 9094;
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_KAFKA_CACHE_DIR = join(REPO_ROOT, '.cache', 'kafka');

export function resolveKafkaLayout(options: KafkaOptions = {}): KafkaLayout {
  const port = checkPort('kafka port', options.port ?? DEFAULT_KAFKA_PORT);
  const controllerPort = checkPort(
    'kafka controller port',
    options.controllerPort ?? DEFAULT_KAFKA_CONTROLLER_PORT,
  );
  const saslOption = options.saslPort ?? (port === DEFAULT_KAFKA_PORT ? DEFAULT_KAFKA_SASL_PORT : false);
  const saslPort = saslOption === false ? undefined : checkPort('kafka SASL port', saslOption);
  if (port === controllerPort)
    throw new ConfigError(`kafka port and controller port must differ (both ${port})`);
  if (saslPort === port || saslPort === controllerPort)
    throw new ConfigError(`kafka SASL port ${saslPort} must differ from the client and controller ports`);
  const heapMb = options.heapMb ?? 512;
  if (!Number.isInteger(heapMb) || heapMb < 256 || heapMb > 65_536) {
    throw new ConfigError(`kafka heapMb must be an integer from 256 to 65536, got ${heapMb}`);
  }
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  if (!/^4\.\d+\.\d+$/.test(version)) {
    // The generated server.properties is KRaft-only with 4.x settings (share coordinator).
    throw new ConfigError(`kafka version must be 4.x.y, got "${version}"`);
  }
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  if (!(startTimeoutMs > 0))
    throw new ConfigError(`kafka startTimeoutMs must be positive, got ${startTimeoutMs}`);
  const cacheDir = absolute(options.cacheDir ?? DEFAULT_KAFKA_CACHE_DIR);
  const versionDir = join(cacheDir, version);
  return {
    host: '127.0.0.1',
    port,
    controllerPort,
    saslPort,
    heapMb,
    version,
    cacheDir,
    versionDir,
    libsDir: join(versionDir, 'libs'),
    dataDir: absolute(options.dataDir ?? join(cacheDir, 'data')),
    serverProperties: join(cacheDir, 'server.properties'),
    log4jProperties: join(cacheDir, 'log4j2.properties'),
    logFile: join(cacheDir, 'broker.log'),
    pidFile: join(cacheDir, 'broker.pid'),
    lockFile: join(cacheDir, 'services.lock'),
    scramCredentialsFile: join(cacheDir, 'scram-credentials.json'),
    startTimeoutMs,
  };
}

export function brokerAddress(layout: KafkaLayout): string {
  return `${layout.host}:${layout.port}`;
}

/** host:port of the SASL_PLAINTEXT (SCRAM) listener, if the broker has one. */
export function saslBrokerAddress(layout: KafkaLayout): string | undefined {
  return layout.saslPort === undefined ? undefined : `${layout.host}:${layout.saslPort}`;
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new ConfigError(`${name} must be 1-65535, got ${port}`);
  return port;
}

/**
 * Absolute and free of symlinks, even for folders not created yet: the broker's command line holds
 * the real path of server.properties, and `runningBroker` recognises our broker by it.
 */
function absolute(path: string): string {
  const full = isAbsolute(path) ? path : resolve(path);
  try {
    return realpathSync(full);
  } catch {
    const parent = dirname(full);
    return parent === full ? full : join(absolute(parent), basename(full));
  }
}
