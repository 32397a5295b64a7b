import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createKafka } from '../../../pipeline/runtime/kafka.js';
import { kafkaClientConfig, kafkaSecurityFromEnv } from '../../../runtime/kafka-client-options.js';
import { createLogger } from '../../../runtime/logger.js';
import { DEFAULT_KAFKA_CACHE_DIR, resolveKafkaLayout } from '../../../services/kafka-options.js';
import { readScramCredentials, type ScramCredentials } from '../../../services/kafka-scram.js';
import { isPortOpen } from '../../../services/port-check.js';
import { uniqueName } from '../../helpers/services.js';

/**
 * The SCRAM listener of the broker global setup started (`bondtrack services up`). Its credentials
 * are in .cache/kafka/scram-credentials.json; KAFKA_SCRAM_CREDENTIALS_FILE points elsewhere when the
 * tests run against another broker (KAFKA_BROKERS).
 */
async function scramListener(): Promise<ScramCredentials> {
  const file =
    process.env['KAFKA_SCRAM_CREDENTIALS_FILE'] ??
    resolveKafkaLayout({ cacheDir: DEFAULT_KAFKA_CACHE_DIR }).scramCredentialsFile;
  const credentials = await readScramCredentials(file);
  const restart =
    'the Kafka broker has no SASL/SCRAM listener: it was started before SCRAM support. Restart it: ' +
    '`node bin/bondtrack.js services down && node bin/bondtrack.js services up`';
  if (credentials === undefined) throw new Error(`${restart} (no credentials in ${file})`);
  const [host, port] = (credentials.brokers[0] ?? '').split(':');
  if (!host || !(await isPortOpen(host, Number(port))))
    throw new Error(`${restart} (${credentials.brokers[0]} is closed)`);
  return credentials;
}

function scramKafka(credentials: ScramCredentials, password = credentials.password): Kafka {
  return new Kafka(
    kafkaClientConfig(
      {
        clientId: uniqueName('scram-test'),
        brokers: credentials.brokers,
        logLevel: logLevel.NOTHING,
        retry: { retries: 2 },
      },
      { sasl: { mechanism: 'scram-sha-512', username: credentials.username, password } },
    ),
  );
}

async function roundTrip(kafka: Kafka, topic: string, value: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  onTestFinished(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  });
  const producer = kafka.producer();
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  await producer.send({ topic, messages: [{ value }] });
  const consumer = kafka.consumer({ groupId: uniqueName('scram-group') });
  await consumer.connect();
  onTestFinished(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: string[] = [];
  await consumer.run({
    eachMessage: ({ message }) => {
      received.push(message.value?.toString() ?? '');
      return Promise.resolve();
    },
  });
  await expect.poll(() => received, { timeout: 60_000, interval: 200 }).toEqual([value]);
  return received;
}

describe('Kafka SASL/SCRAM', () => {
  test('produce and consume with the right SCRAM-SHA-512 credentials on the SCRAM listener', async () => {
    const credentials = await scramListener();
    const value = uniqueName('scram-value');
    expect(await roundTrip(scramKafka(credentials), uniqueName('bt-scram'), value)).toEqual([value]);
  });

  test('a wrong password is refused with an authentication error', async () => {
    const credentials = await scramListener();
    const admin = scramKafka(credentials, `${credentials.password}-wrong`).admin();
    const error = await admin.connect().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    await admin.disconnect();
    expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error?.message).toMatch(/SCRAM|authentication/i);
    // The error names neither password.
    expect(error?.message).not.toContain(credentials.password);
  });

  test('the pipeline runtime client takes SCRAM from KAFKA_SASL_* (password from a file)', async () => {
    const credentials = await scramListener();
    const dir = await mkdtemp(join(tmpdir(), 'bt-scram-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const passwordFile = join(dir, 'kafka-password');
    await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
    const env = {
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: credentials.username,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    };
    expect(kafkaSecurityFromEnv(env).sasl).toEqual({
      mechanism: 'scram-sha-256',
      username: credentials.username,
      password: credentials.password,
    });
    const logger = createLogger('test.scram');
    logger.level = 'silent';
    const kafka = createKafka(credentials.brokers, uniqueName('scram-pipeline'), logger, {
      ...kafkaClientConfig({ brokers: credentials.brokers }, kafkaSecurityFromEnv(env)),
      retry: { retries: 2 },
    });
    const value = uniqueName('pipeline-value');
    expect(await roundTrip(kafka, uniqueName('bt-scram-pipeline'), value)).toEqual([value]);
  });

  test('the pipeline runtime client without credentials cannot use the SCRAM listener', async () => {
    const credentials = await scramListener();
    const logger = createLogger('test.scram');
    logger.level = 'silent';
    const admin = createKafka(credentials.brokers, uniqueName('scram-none'), logger, {
      retry: { retries: 0 },
      connectionTimeout: 3_000,
      requestTimeout: 5_000,
    }).admin();
    const error = await admin.listTopics().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    await admin.disconnect();
    expect(error).toBeInstanceOf(Error);
  });
});
