import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createKafka } from '../../../pipeline/runtime/kafka.js';
import { createStageProducer } from '../../../pipeline/runtime/producer.js';
import type { OutputRecord, Stage } from '../../../pipeline/runtime/stage.js';
import { StageRunner } from '../../../pipeline/runtime/stage-runner.js';
import { uniqueName } from '../../helpers/services.js';
import { waitFor } from '../../helpers/wait-for.js';
import { stageTopics } from '../../helpers/stage-topics.js';

const PARTITIONS = 6;
const PER_PARTITION = 500;

/**
 * Copies each input record to `output` and holds back, per partition, the last `hold` records (as
 * a windowing stage holds open windows): the commit must stop at the first record held.
 */
class CopyStage implements Stage {
  readonly inputs: string[];
  readonly name = 'copy';
  private readonly highest = new Map<number, number>();
  constructor(
    input: string,
    private readonly output: string,
    readonly groupId: string,
    private hold: number,
  ) {
    this.inputs = [input];
  }
  handleBatch(_topic: string, partition: number, messages: KafkaMessage[]): OutputRecord[] {
    this.highest.set(partition, Number(messages[messages.length - 1]!.offset));
    return messages.map((m) => ({ topic: this.output, key: m.key!.toString(), value: m.value!.toString() }));
  }
  retainedOffset(_topic: string, partition: number): number | undefined {
    const last = this.highest.get(partition);
    return last === undefined ? undefined : Math.max(0, last + 1 - this.hold);
  }
  /** Let go of what is held (as a stage does when it writes its state on a tick). */
  release(): void {
    this.releasing = true;
  }
  private releasing = false;
  tick(): OutputRecord[] {
    if (this.releasing) this.hold = 0;
    return [];
  }
}

async function setUp(hold: number) {
  const log = pino({ level: 'warn' });
  const { kafka, admin, input, output } = await stageTopics('gc', log, {
    input: PARTITIONS,
    output: PARTITIONS,
  });
  const group = uniqueName('gc-group');
  // A backlog on every partition before the stage starts: each fetch brings all six at once.
  const producer = createStageProducer(kafka);
  await producer.connect();
  for (let p = 0; p < PARTITIONS; p++)
    await producer.send({
      topic: input,
      acks: -1,
      messages: Array.from({ length: PER_PARTITION }, (_, i) => ({
        key: `k${p}`,
        value: `${p}:${i}`,
        partition: p,
      })),
    });
  await producer.disconnect();
  const stage = new CopyStage(input, output, group, hold);
  const runner = new StageRunner(kafka, stage, log, { tickMs: 100 });
  onTestFinished(() => runner.stop());
  return { kafka, admin, runner, stage, input, output, group };
}

/** Every value in `topic`, read to its end offsets. */
async function readAll(
  kafka: ReturnType<typeof createKafka>,
  topic: string,
  expected: number,
): Promise<string[]> {
  const values: string[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('gc-reader') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${values.length} of ${expected} records in ${topic}`)),
      60_000,
    );
    void consumer.run({
      eachMessage: ({ message }) => {
        values.push(message.value!.toString());
        if (values.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return values;
}

async function committed(
  admin: ReturnType<ReturnType<typeof createKafka>['admin']>,
  group: string,
  topic: string,
) {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
}

describe('StageRunner: partitions handled together share one produce and one commit', () => {
  test('six partitions of backlog: every record copied once, fewer commits than batches, every offset committed', async () => {
    const { kafka, admin, runner, output, input, group } = await setUp(0);
    await runner.start();
    const values = await readAll(kafka, output, PARTITIONS * PER_PARTITION);
    expect(new Set(values).size).toBe(PARTITIONS * PER_PARTITION);
    await waitFor(async () => {
      const offsets = await committed(admin, group, input);
      return [...offsets.values()].every((o) => o === PER_PARTITION) && offsets.size === PARTITIONS;
    }, 'every partition committed to its end');
    expect(runner.stats.messagesIn).toBe(PARTITIONS * PER_PARTITION);
    expect(runner.stats.batches).toBeGreaterThanOrEqual(PARTITIONS);
    // One commit per batch was the old way; together, the six partitions of a fetch commit once.
    expect(runner.stats.commits).toBeLessThan(runner.stats.batches);
  }, 120_000);

  test('a held-back offset is what gets committed, partition by partition', async () => {
    const hold = 7;
    const { kafka, admin, runner, output, input, group } = await setUp(hold);
    await runner.start();
    await readAll(kafka, output, PARTITIONS * PER_PARTITION);
    await waitFor(
      async () => {
        const offsets = await committed(admin, group, input);
        return offsets.size === PARTITIONS && [...offsets.values()].every((o) => o === PER_PARTITION - hold);
      },
      `every partition committed to ${PER_PARTITION - hold}`,
    );
    const offsets = await committed(admin, group, input);
    for (let p = 0; p < PARTITIONS; p++) expect(offsets.get(p)).toBe(PER_PARTITION - hold);
  }, 120_000);

  test('what a tick lets go of is committed without new input', async () => {
    const hold = 7;
    const { kafka, admin, runner, stage, output, input, group } = await setUp(hold);
    await runner.start();
    await readAll(kafka, output, PARTITIONS * PER_PARTITION);
    await waitFor(async () => {
      const offsets = await committed(admin, group, input);
      return offsets.size === PARTITIONS && [...offsets.values()].every((o) => o === PER_PARTITION - hold);
    }, 'the held-back commit');
    stage.release();
    await waitFor(async () => {
      const offsets = await committed(admin, group, input);
      return [...offsets.values()].every((o) => o === PER_PARTITION);
    }, 'the commit after the tick let go');
    expect(runner.stats.messagesIn).toBe(PARTITIONS * PER_PARTITION);
  }, 120_000);
});
