import { createLogger, type Logger } from '../../runtime/logger.js';
import { mqttConnected } from '../../runtime/metrics.js';
import { createPublisher, type PublisherCloseResult, publisherOptionsOf } from '../publish/index.js';
import { NativeReaderClient } from './client.js';
import { HttpEndpoint } from './http-endpoint.js';
import { MqttSource } from './mqtt-source.js';
import { RedeliveryFilter } from './redelivery-filter.js';
import { parseNativeAdapterOptions, type NativeAdapterOptionsInput } from './options.js';
import type { NativeAdapter } from './types.js';

/**
 * Run the native-payload adapter: readers that push Impinj IoT, Speedway Connect or Zebra IoT
 * Connector JSON over HTTP or MQTT, normalised and published through the shared publisher. A
 * reader is reported `online` from its first payload on; `offline` when the adapter stops.
 */
export async function startNativeAdapter(
  options: NativeAdapterOptionsInput,
  deps: { logger?: Logger } = {},
): Promise<NativeAdapter> {
  const parsed = parseNativeAdapterOptions(options);
  const logger = deps.logger ?? createLogger('adapter-native', { site: parsed.site });
  const publisher = createPublisher(publisherOptionsOf('native', parsed), {
    logger: logger.child({ component: 'publisher' }),
  });
  const clients = new Map(
    parsed.readers.map((reader) => [
      reader.readerId,
      new NativeReaderClient(reader, publisher, logger, parsed.maxDocumentBytes),
    ]),
  );
  const online = new Set<string>();
  const onDocument = (readerId: string): void => {
    if (online.has(readerId)) return;
    online.add(readerId);
    publisher.setReaderStatus(readerId, 'online', 'payloads arriving');
  };

  let http: HttpEndpoint | undefined;
  if (parsed.httpPort !== undefined) {
    http = new HttpEndpoint(
      clients,
      () => publisher.whenWritable(),
      (readerId) => publisher.whenDurable(readerId),
      onDocument,
      logger,
      parsed.httpToken,
    );
    const port = await http.listen(parsed.httpPort, parsed.httpHost);
    logger.info({ host: parsed.httpHost, port }, 'http ingest listening: POST /readers/{readerId}');
  }
  const subscribed = [...clients.values()].filter((c) => c.options.topics.length > 0);
  let mqtt: MqttSource | undefined;
  if (subscribed.length > 0) {
    mqtt = new MqttSource(
      parsed.sourceMqttUrl ?? parsed.mqttUrl,
      `bondtrack-native-${parsed.site}-in`,
      subscribed,
      onDocument,
      () => publisher.whenWritable(),
      (readerId) => publisher.whenDurable(readerId),
      logger,
      parsed.queueDir === undefined ? undefined : new RedeliveryFilter(parsed.queueDir),
    );
  }

  let sourceSubscribed = mqtt === undefined;
  void mqtt?.whenSubscribed().then(() => (sourceSubscribed = true));
  const source = mqtt;
  const stopSampling =
    source === undefined
      ? () => undefined
      : mqttConnected.sample({ client: 'adapter:native:source' }, () => (source.connected ? 1 : 0));

  let stopping: Promise<PublisherCloseResult> | undefined;
  const stop = async (): Promise<PublisherCloseResult> => {
    stopSampling();
    await Promise.all([http?.close(), mqtt?.close()]);
    const result = await publisher.close();
    logger.info(
      { ...result, readers: [...clients.values()].map((c) => c.stats()) },
      'native adapter stopped',
    );
    return result;
  };
  return {
    bootId: publisher.bootId,
    httpPort: () => http?.port(),
    ready: () => mqtt?.whenSubscribed() ?? Promise.resolve(),
    readiness: () => ({
      'publisher connected to MQTT': () => publisher.stats().connected,
      ...(mqtt === undefined
        ? {}
        : { 'subscribed to reader topics': () => sourceSubscribed && (source?.connected ?? false) }),
    }),
    stats: () => ({
      readers: [...clients.values()].map((c) => c.stats()),
      publisher: publisher.stats(),
      ...(mqtt === undefined ? {} : { mqttInput: mqtt.stats() }),
    }),
    stop: () => (stopping ??= stop()),
  };
}
