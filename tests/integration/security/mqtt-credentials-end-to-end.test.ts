import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, onTestFinished, test } from 'vitest';
import { loadSiteLayout, DEMO_SITE_FILE } from '../../../runtime/site-file.js';
import { kafkaTopics } from '../../../schemas/index.js';
import { spawnBondtrack } from '../../helpers/cli-process.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { httpRequest } from './http-request.js';
import { startSecureMosquitto } from './secure-mosquitto.js';

const EPC = '3178E61C883950F59A00BEEF';

/** One Impinj IoT tagInventory event (the native adapter's impinj-iot format). */
function impinjEvent(): string {
  return JSON.stringify({
    eventType: 'tagInventory',
    timestamp: new Date().toISOString(),
    tagInventoryEvent: {
      epc: Buffer.from(EPC, 'hex').toString('base64'),
      antennaPort: 1,
      peakRssiCdbm: -5200,
      lastSeenTime: new Date().toISOString(),
    },
  });
}

describe('adapter and bridge with their own MQTT credentials on the shipped configuration', () => {
  test('a read posted to the adapter (user RD-A) reaches Kafka through the bridge (user bondtrack-bridge)', async () => {
    const broker = await startSecureMosquitto(['RD-A', 'bondtrack-bridge', 'bondtrack-ops']);
    const { kafkaBrokers } = testServices();
    const site = (await loadSiteLayout(DEMO_SITE_FILE)).site;
    const topicPrefix = uniqueName('bt-sec');

    const bridge = spawnBondtrack(['pipeline', 'bridge'], {
      MQTT_URL: broker.url,
      MQTT_USERNAME: 'bondtrack-bridge',
      MQTT_PASSWORD_FILE: broker.passwordFile('bondtrack-bridge'),
      KAFKA_BROKERS: kafkaBrokers.join(','),
      BONDTRACK_TOPIC_PREFIX: topicPrefix,
    });
    await bridge.waitForOutput(/bridge started/, 90_000);

    const adapter = spawnBondtrack(
      ['adapter', 'native', '--site', site, '--http-port', '0', '--reader', 'RD-A=impinj-iot'],
      {
        MQTT_URL: broker.url,
        MQTT_USERNAME: 'RD-A',
        MQTT_PASSWORD_FILE: broker.passwordFile('RD-A'),
      },
    );
    await adapter.waitForOutput(/http ingest on http:\/\/127\.0\.0\.1:\d+/, 60_000);
    await adapter.waitForOutput(/mqtt connected/, 60_000);
    const port = Number(/http ingest on http:\/\/127\.0\.0\.1:(\d+)/.exec(adapter.stderr())?.[1]);
    expect(
      (await httpRequest(port, '/readers/RD-A', { method: 'POST', body: `${impinjEvent()}\n` })).status,
    ).toBe(202);

    const kafka = new Kafka({
      clientId: uniqueName('sec-e2e'),
      brokers: kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: uniqueName('sec-e2e') });
    await consumer.connect();
    onTestFinished(() => consumer.disconnect());
    await consumer.subscribe({ topic: kafkaTopics(topicPrefix).reads, fromBeginning: true });
    const values: string[] = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        values.push(message.value?.toString() ?? '');
        return Promise.resolve();
      },
    });
    await expect
      .poll(() => values.some((v) => v.includes(EPC)), { timeout: 90_000, interval: 250 })
      .toBe(true);
    const batch = JSON.parse(values.find((v) => v.includes(EPC)) ?? '{}') as {
      readerId?: string;
      site?: string;
    };
    expect(batch).toMatchObject({ readerId: 'RD-A', site });
    expect(broker.log()).not.toMatch(/not authori[sz]ed/i);

    expect(await adapter.stop('SIGTERM')).toBe(0);
    expect(await bridge.stop('SIGTERM')).toBe(0);
  }, 240_000);
});
