import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { kafkaClientConfig } from '../../runtime/kafka-client-options.js';
import type { Logger } from '../../runtime/logger.js';

/**
 * A kafkajs client whose logs go through our structured logger. kafkajs' ERROR lines during a
 * rebalance or a broker restart are expected and retried, so they are logged at warn.
 * SASL and TLS come from the environment (KAFKA_SASL_*, KAFKA_TLS, KAFKA_CA_FILE…) unless `extra`
 * sets `sasl`/`ssl` itself.
 */
export function createKafka(
  brokers: string[],
  clientId: string,
  log: Logger,
  extra: Partial<KafkaConfig> = {},
): Kafka {
  return new Kafka({
    ...kafkaClientConfig({ brokers }),
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 5_000 },
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const fields = { kafkajs: namespace, ...rest };
        if (level <= logLevel.WARN) log.warn(fields, message);
        else log.debug(fields, message);
      },
    ...extra,
  });
}
