import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { mqttClientOptions } from '../../runtime/mqtt-client-options.js';

/**
 * Open an MQTT.js client that reconnects by itself, and log its life: one line when it connects,
 * one when it goes offline, and connection errors only once per outage (MQTT.js repeats ECONNREFUSED
 * on every reconnect attempt). An 'error' listener is mandatory: without one, EventEmitter would
 * throw and crash the adapter the first time the broker is down.
 */
export function connectMqtt(url: string, options: IClientOptions, logger: Logger): MqttClient {
  // Credentials and TLS from the environment (MQTT_USERNAME, MQTT_PASSWORD_FILE, MQTT_CA_FILE…).
  const client = connect(url, mqttClientOptions(options));
  let outage = false;
  let erroredThisOutage = false;
  client.on('connect', () => {
    logger.info({ mqttUrl: url, clientId: options.clientId, resumed: outage }, 'mqtt connected');
    outage = false;
    erroredThisOutage = false;
  });
  client.on('offline', () => {
    outage = true;
    logger.warn({ mqttUrl: url, clientId: options.clientId }, 'mqtt offline; reconnecting');
  });
  client.on('error', (err) => {
    if (erroredThisOutage) {
      logger.debug({ mqttUrl: url, err: describeError(err) }, 'mqtt error');
      return;
    }
    erroredThisOutage = true;
    logger.warn({ mqttUrl: url, clientId: options.clientId, err: describeError(err) }, 'mqtt error');
  });
  return client;
}

/**
 * End the client: politely (DISCONNECT, which also discards the last will) when `graceful`, else
 * by dropping the socket (the broker then publishes the last will). Gives up after `timeoutMs`
 * and forces it, so close() can never hang on a broker that does not answer.
 */
export async function endMqtt(client: MqttClient, graceful: boolean, timeoutMs: number): Promise<void> {
  // A DISCONNECT cannot be sent without a connection: MQTT.js would queue it and never finish.
  const force = !(graceful && client.connected);
  let timer: NodeJS.Timeout | undefined;
  const ended = client.endAsync(force).catch(() => undefined);
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([ended, timedOut]);
  clearTimeout(timer);
  // A second end() is a no-op while the first is in progress, so drop the socket directly.
  if (outcome === 'timeout') client.stream.destroy();
}
