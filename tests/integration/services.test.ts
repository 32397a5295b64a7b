import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { connectAsync } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { ServiceError, ServiceErrorCodes } from '../../services/errors.js';
import { ensureKafka, kafkaStatus, stopKafka } from '../../services/kafka.js';
import { ensureKafkaJars } from '../../services/kafka-fetch.js';
import {
  DEFAULT_KAFKA_VERSION,
  resolveKafkaLayout,
  type KafkaOptions,
} from '../../services/kafka-options.js';
import { isPortOpen } from '../../services/port-check.js';
import { servicesStatus, servicesUp } from '../../services/services.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { freePort } from '../helpers/ports.js';

describe('the services the global setup provides', () => {
  test('Kafka carries a message from a producer to a consumer', async () => {
    const { kafkaBrokers } = testServices();
    const kafka = new Kafka({
      clientId: uniqueName('services-test'),
      brokers: kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('services-roundtrip');
    const admin = kafka.admin();
    await admin.connect();
    onTestFinished(async () => {
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    });
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });

    const consumer = kafka.consumer({ groupId: uniqueName('services-group'), maxWaitTimeInMs: 500 });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    onTestFinished(() => Promise.all([consumer.disconnect(), producer.disconnect()]).then(() => undefined));
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: Array<{ key: string | undefined; value: string | undefined }> = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        received.push({ key: message.key?.toString(), value: message.value?.toString() });
        return Promise.resolve();
      },
    });
    await producer.send({ topic, messages: [{ key: 'reader-1', value: 'pallet seen' }] });

    await expect
      .poll(() => received, { timeout: 30_000 })
      .toEqual([{ key: 'reader-1', value: 'pallet seen' }]);
  });

  test('PostgreSQL answers queries', async () => {
    const client = new pg.Client({ connectionString: testServices().databaseUrl });
    await client.connect();
    onTestFinished(() => client.end());
    const result = await client.query<{ one: number; version: string }>(
      "SELECT 1 AS one, current_setting('server_version_num') AS version",
    );
    expect(result.rows[0]?.one).toBe(1);
    expect(Number(result.rows[0]?.version)).toBeGreaterThanOrEqual(140_000);
  });

  test('Mosquitto delivers a QoS 1 message back to its subscriber', async () => {
    const client = await connectAsync(testServices().mqttUrl, {
      clientId: uniqueName('services-test'),
      reconnectPeriod: 0,
    });
    onTestFinished(() => client.endAsync());
    const topic = `bondtrack/test/${uniqueName('services')}`;
    const received: string[] = [];
    client.on('message', (t, payload) => {
      if (t === topic) received.push(payload.toString());
    });
    await client.subscribeAsync(topic, { qos: 1 });
    await client.publishAsync(topic, 'ping', { qos: 1 });
    await expect.poll(() => received, { timeout: 10_000 }).toEqual(['ping']);
  });

  test('servicesUp again reuses the running broker and reports the same pid', async () => {
    const external = Boolean(process.env['KAFKA_BROKERS']);
    const first = await servicesUp();
    const second = await servicesUp();
    expect(second.services.kafka.action).toBe(external ? 'external' : 'reused');
    expect(second.services.kafka.pid).toBe(first.services.kafka.pid);
    expect(second.endpoints.kafkaBrokers).toEqual(testServices().kafkaBrokers);
    expect(second.elapsedMs).toBeLessThan(5_000);
    const status = await servicesStatus();
    expect(status.ok).toBe(true);
    // The pid `up` reports is the one `status` (and so `down`) knows as ours.
    expect(status.services.kafka.pid).toBe(second.services.kafka.pid);
    if (!external && status.services.kafka.managed)
      expect(second.services.kafka.pid).toEqual(expect.any(Number));
  });
});

/** A port nothing listens on right now (the OS picks it; the tiny reuse race is acceptable here). */

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('a private broker next to the shared one', () => {
  let sharedJars: string;

  // One Maven fetch for the file; each test links it into its own cache dir.
  beforeAll(async () => {
    sharedJars = await mkdtemp(join(tmpdir(), 'bondtrack-kafka-jars-'));
    await ensureKafkaJars(resolveKafkaLayout({ cacheDir: sharedJars }), () => undefined);
  });
  afterAll(async () => {
    await rm(sharedJars, { recursive: true, force: true });
  });

  async function privateBroker(): Promise<KafkaOptions & { cacheDir: string; port: number }> {
    const cacheDir = await mkdtemp(join(tmpdir(), 'bondtrack-kafka-'));
    await symlink(join(sharedJars, DEFAULT_KAFKA_VERSION), join(cacheDir, DEFAULT_KAFKA_VERSION));
    const options = { cacheDir, port: await freePort(), controllerPort: await freePort(), heapMb: 384 };
    onTestFinished(async () => {
      await stopKafka({ kafka: options });
      await rm(cacheDir, { recursive: true, force: true });
    });
    return options;
  }

  test('two concurrent ups start one broker; down stops it and status then says down', async () => {
    const kafka = await privateBroker();
    const [a, b] = await Promise.all([ensureKafka({ kafka }), ensureKafka({ kafka })]);
    expect([a.action, b.action].sort()).toEqual(['reused', 'started']);
    expect(a.pid).toEqual(expect.any(Number));
    expect(b.pid).toBe(a.pid);

    const up = await kafkaStatus({ kafka });
    expect(up).toMatchObject({ state: 'up', managed: true, pid: a.pid, address: `127.0.0.1:${kafka.port}` });

    const down = await stopKafka({ kafka });
    expect(down).toMatchObject({ action: 'stopped', pid: a.pid });
    expect(await isPortOpen('127.0.0.1', kafka.port)).toBe(false);
    expect(await kafkaStatus({ kafka })).toMatchObject({ state: 'down', managed: false });
    expect((await stopKafka({ kafka })).action).toBe('not-running');
  });

  test('a broker slower than the deadline is left running, and the next up waits for it and reuses it', async () => {
    const kafka = await privateBroker();
    const error = await ensureKafka({ kafka: { ...kafka, startTimeoutMs: 300 } }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe(ServiceErrorCodes.TIMEOUT);
    expect((error as ServiceError).message).toContain(
      'it is still running (`bondtrack services down` stops it)',
    );

    const slow = await kafkaStatus({ kafka });
    expect(slow.pid).toEqual(expect.any(Number));
    const next = await ensureKafka({ kafka });
    expect(next).toMatchObject({ action: 'reused', pid: slow.pid });
  });

  test('a broker that dies while starting is reported with its log, and no pid file is left', async () => {
    const kafka = await privateBroker();
    // Storage "formatted" for another node: the broker refuses it at startup and exits.
    const dataDir = join(kafka.cacheDir, 'data');
    await mkdir(dataDir);
    await writeFile(
      join(dataDir, 'meta.properties'),
      'version=1\nnode.id=7\ncluster.id=5vSxnYZdSWmW6-tn4tFbFw\ndirectory.id=w3Jv2wJ8RGqVfkR0YaT3pA\n',
    );

    const error = await ensureKafka({ kafka }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe(ServiceErrorCodes.KAFKA_EXITED);
    expect((error as ServiceError).message).toMatch(/Stored node id 7/);
    await expect(readFile(resolveKafkaLayout(kafka).pidFile)).rejects.toThrow(/ENOENT/);
  });

  test('a taken controller port fails at once, before fetching or starting anything', async () => {
    const taken = await listen(0);
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const address = taken.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const cacheDir = await mkdtemp(join(tmpdir(), 'bondtrack-kafka-'));
    onTestFinished(() => rm(cacheDir, { recursive: true, force: true }));

    const started = Date.now();
    const error = await ensureKafka({
      kafka: { cacheDir, port: await freePort(), controllerPort: address.port },
    }).catch((err: unknown) => err);
    expect((error as ServiceError).code).toBe(ServiceErrorCodes.PORT_IN_USE);
    expect((error as ServiceError).message).toContain(`127.0.0.1:${address.port}`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('external brokers that do not answer are reported down and not managed', async () => {
    const status = await servicesStatus({ kafkaBrokers: [`127.0.0.1:${await freePort()}`] });
    expect(status.ok).toBe(false);
    expect(status.services.kafka).toMatchObject({ state: 'down', managed: false });
    expect(status.services.kafka.pid).toBeUndefined();
  });
});
