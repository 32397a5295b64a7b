import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { partitionOfKey } from '../../../pipeline/runtime/key-partitioner.js';
import { unpackJson } from '../../../pipeline/runtime/packed-records.js';
import { createStageProducer } from '../../../pipeline/runtime/producer.js';
import type { OutputRecord, Stage } from '../../../pipeline/runtime/stage.js';
import { StageRunner } from '../../../pipeline/runtime/stage-runner.js';
import { uniqueName } from '../../helpers/services.js';
import { stageTopics } from '../../helpers/stage-topics.js';

const IN_PARTITIONS = 3;
const OUT_PARTITIONS = 6;
const RECORDS = 3_000;

/** Re-keys each input record by the key inside its value, as dedup re-keys reads by EPC. */
class RekeyStage implements Stage {
  readonly name = 'rekey';
  readonly inputs: string[];
  readonly packedOutputs: string[];
  constructor(
    input: string,
    private readonly output: string,
    readonly groupId: string,
  ) {
    this.inputs = [input];
    this.packedOutputs = [output];
  }
  handleBatch(_topic: string, _partition: number, messages: KafkaMessage[]): OutputRecord[] {
    return messages.map((m) => {
      const value = m.value!.toString();
      return { topic: this.output, key: (JSON.parse(value) as { key: string }).key, value };
    });
  }
}

describe('StageRunner: packed output topics', () => {
  test('a flush goes as one record per partition, every message once, each on the partition of its own key', async () => {
    const log = pino({ level: 'warn' });
    const { kafka, input, output } = await stageTopics('packed', log, {
      input: IN_PARTITIONS,
      output: OUT_PARTITIONS,
    });
    const producer = createStageProducer(kafka);
    await producer.connect();
    const sent = Array.from({ length: RECORDS }, (_, i) => ({ i, key: `EPC${(i * 7919) % 997}` }));
    await producer.send({
      topic: input,
      acks: -1,
      messages: sent.map((v) => ({ key: `reader${v.i % IN_PARTITIONS}`, value: JSON.stringify(v) })),
    });
    await producer.disconnect();

    const runner = new StageRunner(kafka, new RekeyStage(input, output, uniqueName('packed-group')), log, {
      tickMs: 100,
    });
    onTestFinished(() => runner.stop());
    await runner.start();

    const received: Array<{ i: number; key: string }> = [];
    let records = 0;
    const misplaced: string[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('packed-reader') });
    await consumer.connect();
    onTestFinished(() => consumer.disconnect());
    await consumer.subscribe({ topics: [output], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${received.length} of ${RECORDS} messages`)), 60_000);
      void consumer.run({
        eachMessage: ({ partition, message }) => {
          records++;
          const values = unpackJson(JSON.parse(message.value!.toString())) as Array<{
            i: number;
            key: string;
          }>;
          for (const v of values) {
            received.push(v);
            if (partitionOfKey(v.key, OUT_PARTITIONS) !== partition) misplaced.push(`${v.key}@${partition}`);
          }
          if (received.length >= RECORDS) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
    expect(misplaced).toEqual([]);
    expect(received.map((v) => v.i).sort((a, b) => a - b)).toEqual(sent.map((v) => v.i));
    // Packed: far fewer records than messages (at most one per output partition per flush).
    expect(records).toBeLessThan(RECORDS / 10);
    // Counted when the send is acknowledged, which can come after a consumer has read the records.
    await expect.poll(() => runner.stats.recordsOut, { timeout: 30_000, interval: 50 }).toBe(RECORDS);
  }, 120_000);
});
