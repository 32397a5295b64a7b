import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError } from './errors.js';
import { envFlag, readPemFile, readSecret } from './secrets.js';

/**
 * SASL and TLS of every kafkajs client Bondtrack creates (pipeline workers, customs publisher,
 * service health checks). One builder, so that a setting added here reaches them all.
 * See docs/security.md.
 */
export interface KafkaSecurity {
  /** KAFKA_SASL_MECHANISM: scram-sha-512, scram-sha-256 or plain. Unset: no SASL. */
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; username: string; password: string };
  /** KAFKA_TLS=true, or any of the files below: TLS to the brokers. */
  tls?: {
    /** KAFKA_CA_FILE: PEM CA bundle of the brokers' certificates (default: Node's CA store). */
    caFile?: string;
    /** KAFKA_CERT_FILE and KAFKA_KEY_FILE: client certificate (mTLS). */
    certFile?: string;
    keyFile?: string;
    /** KAFKA_TLS_REJECT_UNAUTHORIZED=false accepts any broker certificate. Default true. */
    rejectUnauthorized?: boolean;
  };
}

const MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
type Mechanism = (typeof MECHANISMS)[number];

export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  const security: KafkaSecurity = {};
  const mechanism = env['KAFKA_SASL_MECHANISM']?.trim().toLowerCase();
  if (mechanism) {
    if (!(MECHANISMS as readonly string[]).includes(mechanism))
      throw new ConfigError(
        `KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}, got "${mechanism}"`,
      );
    const username = env['KAFKA_SASL_USERNAME'];
    const password = readSecret('KAFKA_SASL_PASSWORD', env);
    if (!username) throw new ConfigError('KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM');
    if (password === undefined)
      throw new ConfigError(
        'KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required with KAFKA_SASL_MECHANISM',
      );
    security.sasl = { mechanism: mechanism as Mechanism, username, password };
  }
  const files = {
    caFile: env['KAFKA_CA_FILE'],
    certFile: env['KAFKA_CERT_FILE'],
    keyFile: env['KAFKA_KEY_FILE'],
  };
  if (envFlag('KAFKA_TLS', env, false) || Object.values(files).some(Boolean)) {
    security.tls = { rejectUnauthorized: envFlag('KAFKA_TLS_REJECT_UNAUTHORIZED', env, true) };
    if (files.caFile) security.tls.caFile = files.caFile;
    if (files.certFile) security.tls.certFile = files.certFile;
    if (files.keyFile) security.tls.keyFile = files.keyFile;
  }
  return security;
}

/** `base` (clientId, brokers, retry, logging…) plus SASL and TLS; `security` defaults to the environment's. */
export function kafkaClientConfig(
  base: KafkaConfig,
  security: KafkaSecurity = kafkaSecurityFromEnv(),
): KafkaConfig {
  const config: KafkaConfig = { ...base };
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  if (security.tls) {
    const { caFile, certFile, keyFile, rejectUnauthorized } = security.tls;
    config.ssl = {
      rejectUnauthorized: rejectUnauthorized ?? true,
      ...(caFile ? { ca: [readPemFile(caFile, 'KAFKA_CA_FILE')] } : {}),
      ...(certFile ? { cert: readPemFile(certFile, 'KAFKA_CERT_FILE') } : {}),
      ...(keyFile ? { key: readPemFile(keyFile, 'KAFKA_KEY_FILE') } : {}),
    };
  }
  return config;
}
