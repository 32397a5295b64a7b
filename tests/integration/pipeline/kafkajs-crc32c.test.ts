import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nativeCrc32c } from '../../../pipeline/runtime/kafkajs-crc32c.js';
import { testServices, uniqueName } from '../../helpers/services.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

describe('the native CRC-32C for kafkajs', () => {
  it('gives the checksums kafkajs’s own gives', () => {
    const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
    const native = nativeCrc32c();
    expect(native).toBeDefined();
    // RFC 3720 B.4's check value: CRC-32C of "123456789" is 0xE3069283.
    expect(native!(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const size of [0, 1, 7, 8, 9, 63, 64, 65, 4096, 100_003]) {
      const bytes = randomBytes(size);
      expect(native!(bytes), `${size} bytes`).toBe(kafkajsCrc(bytes));
    }
  });

  it('is what a bondtrack process’s producer checksums with, and the broker takes its batches', async () => {
    // A fresh process, as `bin/bondtrack.js` starts one: the swap must come before kafkajs loads,
    // which this test's own worker may have done already for other files.
    const topic = uniqueName('crc');
    const script = `
      import { nativeChecksums, useNativeCrc32cInKafkajs } from './pipeline/runtime/kafkajs-crc32c.ts';
      const installed = useNativeCrc32cInKafkajs();
      const { Kafka, logLevel } = (await import('kafkajs')).default;
      const kafka = new Kafka({ brokers: ${JSON.stringify(testServices().kafkaBrokers)}, logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const values = Array.from({ length: 500 }, (_, i) => 'read ' + i + ' ' + 'x'.repeat(i % 97));
      for (let i = 0; i < values.length; i += 50)
        await producer.send({ topic: '${topic}', acks: -1, messages: values.slice(i, i + 50).map((value) => ({ value })) });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: '${topic}' });
      await consumer.connect();
      await consumer.subscribe({ topic: '${topic}', fromBeginning: true });
      const got = [];
      await new Promise((resolve) => {
        consumer.run({ eachMessage: async ({ message }) => {
          got.push(message.value.toString());
          if (got.length === values.length) resolve();
        } });
      });
      await consumer.disconnect();
      console.log(JSON.stringify({ installed, checksums: nativeChecksums(), same: JSON.stringify(got) === JSON.stringify(values) }));
    `;
    const admin = new (await import('kafkajs')).Kafka({ brokers: testServices().kafkaBrokers }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1, replicationFactor: -1 }],
        waitForLeaders: true,
      });
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: new URL('../../..', import.meta.url).pathname,
          timeout: 60_000,
        },
      );
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
        installed: boolean;
        checksums: number;
        same: boolean;
      };
      expect(result.installed).toBe(true);
      // Ten sends of 50 records: one batch each, every one checksummed natively and taken.
      expect(result.checksums).toBe(10);
      expect(result.same).toBe(true);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 90_000);
});
