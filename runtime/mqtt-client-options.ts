import type { IClientOptions } from 'mqtt';
import { envFlag, readPemFile, readSecret } from './secrets.js';

/**
 * Credentials and TLS of every MQTT client Bondtrack opens (adapters' publisher, native adapter
 * input, bridge, simulators, customs publisher, service health checks). One builder, so that a
 * setting added here reaches them all. See docs/security.md.
 */
export interface MqttSecurity {
  /** MQTT_USERNAME. With the shipped ACL a reader's username is its readerId. */
  username?: string;
  /** MQTT_PASSWORD or MQTT_PASSWORD_FILE. */
  password?: string;
  /** MQTT_CA_FILE: PEM CA bundle that signed the broker's certificate (use an mqtts:// URL). */
  caFile?: string;
  /** MQTT_CERT_FILE and MQTT_KEY_FILE: client certificate for brokers that require one. */
  certFile?: string;
  keyFile?: string;
  /** MQTT_TLS_REJECT_UNAUTHORIZED=false accepts any broker certificate. Default true. */
  rejectUnauthorized?: boolean;
}

export function mqttSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): MqttSecurity {
  const security: MqttSecurity = { rejectUnauthorized: envFlag('MQTT_TLS_REJECT_UNAUTHORIZED', env, true) };
  const username = env['MQTT_USERNAME'];
  if (username) security.username = username;
  const password = readSecret('MQTT_PASSWORD', env);
  if (password !== undefined) security.password = password;
  if (env['MQTT_CA_FILE']) security.caFile = env['MQTT_CA_FILE'];
  if (env['MQTT_CERT_FILE']) security.certFile = env['MQTT_CERT_FILE'];
  if (env['MQTT_KEY_FILE']) security.keyFile = env['MQTT_KEY_FILE'];
  return security;
}

/**
 * `base` (clientId, will, reconnect…) plus the security settings; `security` defaults to the
 * environment's, and what `base` sets itself wins. The TLS options only take effect on mqtts://
 * or wss:// URLs.
 */
export function mqttClientOptions(
  base: IClientOptions = {},
  security: MqttSecurity = mqttSecurityFromEnv(),
): IClientOptions {
  const options: IClientOptions = {};
  if (security.username !== undefined) options.username = security.username;
  if (security.password !== undefined) options.password = security.password;
  if (security.caFile !== undefined) options.ca = readPemFile(security.caFile, 'MQTT_CA_FILE');
  if (security.certFile !== undefined) options.cert = readPemFile(security.certFile, 'MQTT_CERT_FILE');
  if (security.keyFile !== undefined) options.key = readPemFile(security.keyFile, 'MQTT_KEY_FILE');
  options.rejectUnauthorized = security.rejectUnauthorized ?? true;
  return { ...options, ...base };
}
