import type { Clock } from '../../runtime/clock.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { createPublisher, type PublisherCloseResult, publisherOptionsOf } from '../publish/index.js';
import { SerialReaderClient } from './client.js';
import { parseSerialAdapterOptions, readerOptionsOf, type SerialAdapterOptionsInput } from './options.js';
import type { SerialAdapter, SerialDeviceFactory } from './types.js';

export interface SerialAdapterDeps {
  clock?: Clock;
  logger?: Logger;
  openDevice?: SerialDeviceFactory;
}

/**
 * Run the serial adapter in this process: one publisher (one MQTT connection for data, plus one
 * per reader for its status and last will) and one client per port. Returns at once; ports open
 * and MQTT connects in the background, and both retry on their own. Options are checked first and
 * a bad one throws a ConfigError naming it.
 */
export function startSerialAdapter(
  options: SerialAdapterOptionsInput,
  deps: SerialAdapterDeps = {},
): SerialAdapter {
  const parsed = parseSerialAdapterOptions(options);
  const logger = deps.logger ?? createLogger('adapter-serial', { site: parsed.site });
  const publisher = createPublisher(publisherOptionsOf('serial', parsed), {
    logger: logger.child({ component: 'publisher' }),
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  const clients = readerOptionsOf(parsed).map(
    (reader) =>
      new SerialReaderClient(reader, publisher, {
        logger,
        ...(deps.openDevice === undefined ? {} : { openDevice: deps.openDevice }),
        ...(deps.clock === undefined ? {} : { clock: deps.clock }),
      }),
  );
  for (const client of clients) client.start();
  logger.info(
    { bootId: publisher.bootId, ports: parsed.ports, mqttUrl: parsed.mqttUrl },
    'serial adapter started',
  );

  let stopping: Promise<PublisherCloseResult> | undefined;
  const stop = async (): Promise<PublisherCloseResult> => {
    // Ports first, so no read arrives after the publisher's final flush.
    await Promise.all(clients.map((client) => client.stop()));
    const result = await publisher.close();
    logger.info({ ...result, readers: clients.map((c) => c.stats()) }, 'serial adapter stopped');
    return result;
  };

  return {
    bootId: publisher.bootId,
    stats: () => ({ readers: clients.map((client) => client.stats()), publisher: publisher.stats() }),
    stop: () => (stopping ??= stop()),
  };
}
