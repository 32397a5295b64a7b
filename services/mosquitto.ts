import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { connectAsync, type MqttClient } from 'mqtt';
import { DEFAULT_MQTT_URL } from '../runtime/config.js';
import { describeError } from '../runtime/errors.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { isPortOpen, isSameLocalEndpoint, redactUrl, urlHostPort } from './port-check.js';
import { lastLines, runCommand } from './run-command.js';
import type { ServiceDown, ServiceStatus, ServiceUp } from './service-report.js';
import { waitUntil, withTimeout } from './wait-until.js';
import { mqttClientOptions } from '../runtime/mqtt-client-options.js';

export interface MosquittoServiceOptions {
  /** Default MQTT_URL's default, mqtt://127.0.0.1:1883. */
  url?: string;
  /** How long to wait for the broker to answer (after starting it). Default 30 s. */
  timeoutMs?: number;
  progress?: (message: string) => void;
}

const MOSQUITTO_CONFIG = '/etc/mosquitto/mosquitto.conf';

/**
 * Connect, then publish a QoS 1 message to a private topic and receive it back. A connect alone
 * would pass a broker whose ACLs reject our topics; the adapters need the round trip to work.
 */
export async function probeMosquitto(url: string, timeoutMs = 5_000): Promise<void> {
  const id = randomBytes(6).toString('hex');
  const topic = `bondtrack/health/${id}`;
  let client: MqttClient | undefined;
  try {
    client = await withTimeout(
      connectAsync(
        url,
        mqttClientOptions({
          clientId: `bondtrack-health-${id}`,
          connectTimeout: timeoutMs,
          reconnectPeriod: 0,
          clean: true,
        }),
      ),
      timeoutMs + 1_000,
      'mqtt connect',
    );
    const connected = client;
    const received = new Promise<void>((resolve) => {
      connected.on('message', (t) => {
        if (t === topic) resolve();
      });
    });
    await connected.subscribeAsync(topic, { qos: 1 });
    await connected.publishAsync(topic, 'ping', { qos: 1 });
    await withTimeout(received, timeoutMs, 'mqtt round trip');
  } finally {
    if (client) await withTimeout(client.endAsync(true), 2_000, 'mqtt disconnect').catch(() => undefined);
  }
}

/** Mosquitto is ours to start only at the machine's own default address; elsewhere we only check. */
export function isLocalDefaultMosquitto(url: string): boolean {
  return isSameLocalEndpoint(urlHostPort(url, 1883), urlHostPort(DEFAULT_MQTT_URL, 1883));
}

export async function ensureMosquitto(options: MosquittoServiceOptions = {}): Promise<ServiceUp> {
  const startedAt = Date.now();
  const url = options.url ?? DEFAULT_MQTT_URL;
  const address = redactUrl(url);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const local = isLocalDefaultMosquitto(url);
  try {
    await probeMosquitto(url);
    return {
      service: 'mosquitto',
      action: local ? 'reused' : 'external',
      address,
      elapsedMs: Date.now() - startedAt,
    };
  } catch {
    // not answering yet: start it or wait below
  }
  const probe = (): Promise<boolean> => probeMosquitto(url).then(() => true);
  // Not ours to start, or something already listens there (starting a second server cannot help):
  // then only wait for it.
  const { host, port } = urlHostPort(url, 1883);
  if (!local || (await isPortOpen(host, port))) {
    await waitUntil(probe, { service: 'mosquitto', timeoutMs, what: `the MQTT broker at ${address}` });
    return {
      service: 'mosquitto',
      action: local ? 'reused' : 'external',
      address,
      elapsedMs: Date.now() - startedAt,
    };
  }
  await startLocalMosquitto(options.progress ?? (() => undefined));
  await waitUntil(probe, {
    service: 'mosquitto',
    timeoutMs,
    what: `Mosquitto at ${address} after starting it`,
  });
  return {
    service: 'mosquitto',
    action: 'started',
    address,
    elapsedMs: Date.now() - startedAt,
    detail: `mosquitto -d -c ${MOSQUITTO_CONFIG}`,
  };
}

async function startLocalMosquitto(progress: (message: string) => void): Promise<void> {
  try {
    await access(MOSQUITTO_CONFIG);
  } catch (err) {
    throw new ServiceError(
      ServiceErrorCodes.COMMAND_MISSING,
      'mosquitto',
      `Mosquitto is not installed (no ${MOSQUITTO_CONFIG})`,
      { cause: err },
    );
  }
  progress(`starting Mosquitto (mosquitto -d -c ${MOSQUITTO_CONFIG})`);
  const result = await runCommand('mosquitto', ['-d', '-c', MOSQUITTO_CONFIG], {
    service: 'mosquitto',
    timeoutMs: 30_000,
  });
  if (result.exitCode !== 0) {
    throw new ServiceError(
      ServiceErrorCodes.COMMAND_FAILED,
      'mosquitto',
      `mosquitto -d exited ${result.exitCode}:\n${lastLines(result.output, 15)}`,
    );
  }
}

export async function mosquittoStatus(options: MosquittoServiceOptions = {}): Promise<ServiceStatus> {
  const url = options.url ?? DEFAULT_MQTT_URL;
  const status: ServiceStatus = {
    service: 'mosquitto',
    state: 'up',
    address: redactUrl(url),
    managed: false,
  };
  try {
    await probeMosquitto(url, 3_000);
  } catch (err) {
    status.state = 'down';
    status.detail = describeError(err);
  }
  return status;
}

/** Mosquitto is shared with everything else on the machine; `down` never stops it. */
export function mosquittoDown(options: MosquittoServiceOptions = {}): ServiceDown {
  const address = redactUrl(options.url ?? DEFAULT_MQTT_URL);
  return {
    service: 'mosquitto',
    action: 'left-running',
    address,
    detail: 'shared system service; bondtrack does not stop it',
  };
}
