import mqtt from 'mqtt';
import { expect, onTestFinished, test } from 'vitest';
import { systemClock } from '../../../runtime/clock.js';
import { Bridge } from '../../../pipeline/bridge/bridge.js';
import { createKafka } from '../../../pipeline/runtime/kafka.js';
import { ensureTopics } from '../../../pipeline/runtime/topics.js';
import { Alert, kafkaTopics, mqttTopics, type ReadBatch } from '../../../schemas/index.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { quietLogger } from '../adapters/quiet-logger.js';

const log = quietLogger('test.bridge-gaps');

test('the real bridge reports batches lost between adapter and bridge as READER_GAP alerts, and not late or rebooted ones', async () => {
  const { kafkaBrokers, mqttUrl } = testServices();
  const prefix = uniqueName('gaps');
  const site = uniqueName('site').replaceAll('_', '-');
  const topics = kafkaTopics(prefix);
  const kafka = createKafka(kafkaBrokers, prefix, log);
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(async () => {
    await admin.deleteTopics({ topics: Object.values(topics) as string[] }).catch(() => undefined);
    await admin.disconnect();
  });
  await ensureTopics(admin, topics);

  const alerts: Alert[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}.test`, maxWaitTimeInMs: 250 });
  onTestFinished(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.alerts], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      alerts.push(Alert.parse(JSON.parse(message.value!.toString())));
      return Promise.resolve();
    },
  });

  // A grace long enough for batches published back to back to overtake each other on the bridge's
  // eight connections, however loaded the machine.
  const bridge = new Bridge(kafka, topics, systemClock, log, {
    mqttUrl,
    site,
    shareGroup: prefix,
    sequenceGapGraceMs: 8_000,
  });
  onTestFinished(() => bridge.stop());
  await bridge.start();

  const adapter = await mqtt.connectAsync(mqttUrl, { clientId: uniqueName('adapter') });
  onTestFinished(() => adapter.endAsync());
  const publish = async (boot: string, seq: number): Promise<void> => {
    const batch: ReadBatch = {
      v: 1,
      site,
      readerId: 'RD-DOCK-1',
      source: 'serial',
      batchId: `RD-DOCK-1:${boot}:${seq}`,
      seq,
      sentAtUs: systemClock.nowUs(),
      reads: [{ epc: '3074257BF7194E4000001A85', antenna: 1, seenAtUs: systemClock.nowUs(), count: 1 }],
    };
    await adapter.publishAsync(mqttTopics.reads(site, 'RD-DOCK-1'), JSON.stringify(batch), { qos: 1 });
  };

  // Boot b1: 3 and 4 are late (a disk-queue replay after 5 and 6), 7 and 8 are lost.
  for (const seq of [0, 1, 2, 5, 6, 3, 4, 9, 10]) await publish('b1', seq);
  await expect.poll(() => alerts.length, { timeout: 90_000, interval: 250 }).toBe(1);
  expect(alerts[0]).toMatchObject({
    kind: 'READER_GAP',
    site,
    readerId: 'RD-DOCK-1',
    details: { bootKey: 'RD-DOCK-1:b1', fromSeq: 7, toSeq: 8, missingBatches: 2 },
  });

  // The adapter restarts (boot b2, from 0): a reset, not a gap. A late batch of b1 is no gap either.
  // Then b2 loses its seq 2: the second and last alert.
  for (const [boot, seq] of [
    ['b2', 0],
    ['b2', 1],
    ['b1', 11],
    ['b2', 3],
  ] as const)
    await publish(boot, seq);
  await expect.poll(() => alerts.length, { timeout: 90_000, interval: 250 }).toBe(2);
  expect(alerts[1]!.details).toEqual({ bootKey: 'RD-DOCK-1:b2', fromSeq: 2, toSeq: 2, missingBatches: 1 });
  expect(bridge.stats).toMatchObject({
    batchesForwarded: 13,
    sequenceGaps: 2,
    batchesMissing: 3,
    readerResets: 1,
  });
}, 240_000);
