import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSecurity } from '../runtime/kafka-client-options.js';
import { kafkaClientConfig } from '../runtime/kafka-client-options.js';
import { withTimeout } from './wait-until.js';

export interface KafkaHealth {
  clusterId: string;
  brokerCount: number;
}

export interface KafkaProbeOptions {
  /**
   * Also create and delete a scratch topic. That proves the controller has a quorum and the broker
   * can host partitions, which a metadata answer alone does not (a starting broker answers metadata
   * before it can create topics). Default true.
   */
  createTopic?: boolean;
  /** Upper bound of the whole probe. Default 15 s. */
  timeoutMs?: number;
  /** SASL/TLS for brokers that require them (external brokers). Default: none. */
  security?: KafkaSecurity;
}

/**
 * One health check of the brokers with a kafkajs admin client. It does not retry (callers poll),
 * and it logs nothing: kafkajs logs every refused connection at ERROR, which is noise while a
 * broker starts.
 */
export async function probeKafka(
  brokers: readonly string[],
  options: KafkaProbeOptions = {},
): Promise<KafkaHealth> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const kafka = new Kafka(
    kafkaClientConfig(
      {
        clientId: 'bondtrack-services-health',
        brokers: [...brokers],
        connectionTimeout: 2_000,
        requestTimeout: Math.min(timeoutMs, 10_000),
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      },
      options.security ?? {},
    ),
  );
  const admin = kafka.admin({ retry: { retries: 0 } });
  const probe = async (): Promise<KafkaHealth> => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (options.createTopic ?? true) {
      const topic = `bondtrack-health-${randomBytes(6).toString('hex')}`;
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
        waitForLeaders: true,
        timeout: Math.min(timeoutMs, 10_000),
      });
      if (!created) throw new Error(`scratch topic ${topic} already existed`);
      await admin.deleteTopics({ topics: [topic], timeout: Math.min(timeoutMs, 10_000) });
    }
    return { clusterId: cluster.clusterId, brokerCount: cluster.brokers.length };
  };
  try {
    return await withTimeout(probe(), timeoutMs, `kafka health check of ${brokers.join(',')}`);
  } finally {
    // Bounded: after a timed-out probe, a hung connection must not hang `services up` too.
    await withTimeout(admin.disconnect(), 2_000, 'kafka admin disconnect').catch(() => undefined);
  }
}
