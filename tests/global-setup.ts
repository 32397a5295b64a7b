import type { TestProject } from 'vitest/node';
import { servicesUp } from '../services/services.js';

/**
 * `bondtrack services up`, the same code, once per test run: reuses what runs, starts what is
 * missing (Kafka from Maven Central jars on first use) and waits until all are healthy.
 * There is deliberately no teardown: leaving Kafka running makes the next run start in well under a
 * second, and CI machines are discarded anyway. `bondtrack services down` stops it.
 */
export default async function setup(project: TestProject): Promise<void> {
  const result = await servicesUp({ progress: (message) => process.stderr.write(`[services] ${message}\n`) });
  const kafka = result.services.kafka;
  const pid = kafka.pid === undefined ? '' : ` pid ${kafka.pid}`;
  process.stderr.write(
    `[services] healthy after ${(result.elapsedMs / 1000).toFixed(1)} s (kafka ${kafka.action} at ${kafka.address}${pid})\n`,
  );
  project.provide('services', {
    kafkaBrokers: result.endpoints.kafkaBrokers,
    mqttUrl: result.endpoints.mqttUrl,
    databaseUrl: result.endpoints.databaseUrl,
  });
}
