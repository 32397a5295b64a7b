import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { BondtrackError, describeError } from '../runtime/errors.js';
import { createLogger, type Logger } from '../runtime/logger.js';

/**
 * The embedded default MQTT broker: aedes 1.x (MQTT 3.1.1, in memory) on 127.0.0.1, for `demo` and
 * `npm start` when MQTT_URL is unset.
 *
 * Supported, as the adapters need: QoS 0 and 1 (and 2), retained messages (reader status), last will
 * (the "offline" status), clean and persistent sessions (in memory: lost when the process stops).
 * Not supported by aedes: MQTT 5, and shared subscriptions (`$share/{group}/{filter}`). aedes takes
 * such a filter literally: it grants the SUBACK and then never delivers anything. So that a bridge
 * configured with a share group fails loudly instead of silently receiving nothing, this broker
 * refuses those subscriptions (SUBACK return code 0x80). Run the bridge without a share group here,
 * or use Mosquitto (which supports them) for several bridge instances.
 */
export interface EmbeddedMqttOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 0. */
  port?: number;
  /** Default a `bondtrack.embedded-mqtt` logger. */
  logger?: Logger;
}

export interface EmbeddedMqtt {
  /** `mqtt://127.0.0.1:{port}` */
  readonly url: string;
  readonly port: number;
  /** Disconnect every client and stop listening. */
  close(): Promise<void>;
}

export const SHARED_SUBSCRIPTION_PREFIX = '$share/';

export async function startEmbeddedMqtt(options: EmbeddedMqttOptions = {}): Promise<EmbeddedMqtt> {
  const log = options.logger ?? createLogger('bondtrack.embedded-mqtt');
  const brokerOptions: AedesOptions = {
    authorizeSubscribe: (client, subscription, callback) => {
      if (subscription.topic.startsWith(SHARED_SUBSCRIPTION_PREFIX)) {
        log.warn(
          { clientId: client?.id, topic: subscription.topic },
          'shared subscriptions are not supported by the embedded broker; refused',
        );
        callback(null, null); // a null subscription is refused with SUBACK 0x80, the connection stays up
        return;
      }
      callback(null, subscription);
    },
  };
  const broker = await Aedes.createBroker(brokerOptions);
  broker.on('clientError', (client, err) =>
    log.debug({ clientId: client?.id, err: describeError(err) }, 'MQTT client error'),
  );
  broker.on('connectionError', (_client, err) =>
    log.debug({ err: describeError(err) }, 'MQTT connection error'),
  );

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw new BondtrackError(
      'BT_MQTT_EMBEDDED_START',
      `cannot listen on 127.0.0.1:${options.port ?? 0}: ${describeError(err)}`,
      { cause: err },
    );
  }
  server.on('error', (err) => log.warn({ err: describeError(err) }, 'embedded MQTT server error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'embedded MQTT broker (aedes) listening');
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        // aedes closes its clients; a socket that never sent CONNECT is not one of them yet.
        for (const socket of sockets) socket.destroy();
        await stopped;
      })()),
  };
}
