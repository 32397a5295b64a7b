import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { expect, onTestFinished, test } from 'vitest';
import { kafkaClientConfig } from '../../../runtime/kafka-client-options.js';
import { ensureKafka, kafkaStatus, stopKafka } from '../../../services/kafka.js';
import {
  DEFAULT_KAFKA_CACHE_DIR,
  resolveKafkaLayout,
  type KafkaOptions,
} from '../../../services/kafka-options.js';
import { readScramCredentials } from '../../../services/kafka-scram.js';
import { uniqueName } from '../../helpers/services.js';
import { freePort } from '../../helpers/ports.js';

/**
 * The path the shared broker takes when it is restarted after this change: its data dir was
 * formatted without SCRAM, so `services up` must add the user to the running broker. On a private
 * broker (own ports and cache dir; the jars of the shared cache are linked, not fetched again).
 */
test('a broker formatted without SCRAM: reuse says the listener is missing; a restart adds it and the user', async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'bt-scram-broker-'));
  const shared = resolveKafkaLayout({ cacheDir: DEFAULT_KAFKA_CACHE_DIR });
  await symlink(shared.versionDir, join(cacheDir, shared.version));
  const base: KafkaOptions = {
    cacheDir,
    port: await freePort(),
    controllerPort: await freePort(),
    heapMb: 384,
  };
  const withSasl: KafkaOptions = { ...base, saslPort: await freePort(), startTimeoutMs: 180_000 };
  onTestFinished(async () => {
    await stopKafka({ kafka: base });
    await rm(cacheDir, { recursive: true, force: true });
  });

  const old = await ensureKafka({ kafka: { ...base, saslPort: false, startTimeoutMs: 180_000 } });
  expect(old.action).toBe('started');

  // Reused as it is (never restarted behind anyone's back), with a plain warning.
  const progress: string[] = [];
  const reused = await ensureKafka({ kafka: withSasl, progress: (m) => progress.push(m) });
  expect(reused).toMatchObject({ action: 'reused', pid: old.pid });
  expect(reused.detail).toContain(`has no SASL/SCRAM listener on 127.0.0.1:${String(withSasl.saslPort)}`);
  expect(progress.join('\n')).toContain('bondtrack services down && bondtrack services up');
  expect((await kafkaStatus({ kafka: withSasl })).detail).toContain('has no SASL/SCRAM listener');

  await stopKafka({ kafka: base });
  const restarted = await ensureKafka({ kafka: withSasl, progress: (m) => progress.push(m) });
  expect(restarted.action).toBe('started');
  expect(progress.join('\n')).toContain('creating SCRAM user bondtrack');
  expect((await kafkaStatus({ kafka: withSasl })).detail ?? '').not.toContain('SASL');

  const credentials = await readScramCredentials(resolveKafkaLayout(withSasl).scramCredentialsFile);
  expect(credentials?.brokers).toEqual([`127.0.0.1:${String(withSasl.saslPort)}`]);
  for (const mechanism of ['scram-sha-512', 'scram-sha-256'] as const) {
    const admin = new Kafka(
      kafkaClientConfig(
        {
          clientId: uniqueName('scram-broker'),
          brokers: credentials?.brokers ?? [],
          logLevel: logLevel.NOTHING,
        },
        { sasl: { mechanism, username: credentials?.username ?? '', password: credentials?.password ?? '' } },
      ),
    ).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers.map((b) => b.port)).toEqual([withSasl.saslPort]);
  }
}, 480_000);
