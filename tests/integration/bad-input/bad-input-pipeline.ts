import type { KafkaMessage } from 'kafkajs';
import { expect } from 'vitest';
import { unpackJson } from '../../../pipeline/runtime/packed-records.js';
import { DeadLetter, Observation, ReadBatch, kafkaTopics } from '../../../schemas/index.js';
import { spawnBondtrack, type CliProcess } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { collectTopics, getOps, opsUrlOf, uniqueSiteFile } from '../observability/ops-endpoint.js';

/** A bridge (+ dedup) process of a test's own: its site, topics and ops endpoint, and what reached Kafka. */
export interface BadInputPipeline {
  readonly cli: CliProcess;
  readonly siteId: string;
  readonly readerIds: string[];
  readonly opsUrl: string;
  deadLetters(): DeadLetter[];
  batches(): ReadBatch[];
  observations(): Observation[];
  /** The process is still running and answers /healthz. */
  assertAlive(): Promise<void>;
}

const parse = <T>(schema: { parse(v: unknown): T }, messages: KafkaMessage[]): T[] =>
  messages.map((m) => schema.parse(JSON.parse(m.value!.toString('utf8'))));
/** Observations records are packed (pipeline/runtime/packed-records.ts): every element counts. */
const parsePacked = <T>(schema: { parse(v: unknown): T }, messages: KafkaMessage[]): T[] =>
  messages.flatMap((m) => unpackJson(JSON.parse(m.value!.toString('utf8'))).map((v) => schema.parse(v)));

/**
 * `bondtrack pipeline <stages>` on a site id of its own (so that nobody else's MQTT messages reach
 * its bridge), with its ops endpoint; once ready, the raw-reads, observations and dead-letter
 * topics are collected from the beginning.
 */
export async function startBadInputPipeline(
  stages: string[],
  extraArgs: string[] = [],
): Promise<BadInputPipeline> {
  const services = testServices();
  const topicPrefix = uniqueName('bad');
  const { siteId, siteFile, readerIds } = await uniqueSiteFile();
  const cli = spawnBondtrack([
    'pipeline',
    ...stages,
    '--site',
    siteFile,
    '--topic-prefix',
    topicPrefix,
    '--kafka-brokers',
    services.kafkaBrokers.join(','),
    '--mqtt-url',
    services.mqttUrl,
    '--ops-port',
    '0',
    ...extraArgs,
  ]);
  const opsUrl = await opsUrlOf(cli);
  await expect.poll(async () => (await getOps(opsUrl, '/readyz')).status, { timeout: 120_000 }).toBe(200);
  const topics = kafkaTopics(topicPrefix);
  const collected = await collectTopics(services.kafkaBrokers, [
    topics.reads,
    topics.dlq,
    topics.observations,
  ]);
  return {
    cli,
    siteId,
    readerIds,
    opsUrl,
    deadLetters: () => parse(DeadLetter, collected.get(topics.dlq)!),
    batches: () => parse(ReadBatch, collected.get(topics.reads)!),
    observations: () => parsePacked(Observation, collected.get(topics.observations)!),
    async assertAlive() {
      expect(cli.child.exitCode).toBeNull();
      expect(cli.child.signalCode).toBeNull();
      expect((await getOps(opsUrl, '/healthz')).status).toBe(200);
    },
  };
}

/** An EPC of 24 hex digits (96 bits) numbered `n`, unique per test run through `tag`. */
export function testEpc(tag: number, n: number): string {
  return `3178${tag.toString(16).toUpperCase().padStart(8, '0')}${n.toString(16).toUpperCase().padStart(12, '0')}`;
}
