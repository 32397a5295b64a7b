import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';

describe('loadConfig', () => {
  it('uses defaults when nothing is set', async () => {
    const config = await loadConfig({}, {});
    expect(config).toMatchObject({
      kafkaBrokers: ['127.0.0.1:9092'],
      databaseSchema: 'bondtrack',
      topicPrefix: 'bondtrack',
    });
    expect(config.mqttUrl).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
  });

  it('takes flags over environment over config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bt-config-'));
    const file = join(dir, 'bondtrack.yaml');
    await writeFile(file, 'mqttUrl: mqtt://file:1883\ntopicPrefix: fromfile\ndatabaseSchema: fileschema\n');
    const env = {
      BONDTRACK_CONFIG: file,
      MQTT_URL: 'mqtt://env:1883',
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      BONDTRACK_TOPIC_PREFIX: 'fromenv',
    };
    const config = await loadConfig({ topicPrefix: 'fromflag' }, env);
    expect(config.mqttUrl).toBe('mqtt://env:1883');
    expect(config.kafkaBrokers).toEqual(['k1:9092', 'k2:9093']);
    expect(config.topicPrefix).toBe('fromflag');
    expect(config.databaseSchema).toBe('fileschema');
  });

  it('names the bad setting', async () => {
    await expect(loadConfig({}, { KAFKA_BROKERS: 'localhost' })).rejects.toThrow(
      /kafkaBrokers\[0\]: must be host:port/,
    );
    await expect(loadConfig({}, { DATABASE_URL: 'mysql://x' })).rejects.toThrow(
      /databaseUrl: must be a postgres:\/\/ URL/,
    );
    await expect(loadConfig({}, { MQTT_URL: 'http://x' })).rejects.toThrow(
      /mqttUrl: must be a URL such as mqtt:\/\/host:1883/,
    );
    const err = await loadConfig({ config: '/nonexistent.yaml' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('BT_CONFIG_INVALID');
  });
});
