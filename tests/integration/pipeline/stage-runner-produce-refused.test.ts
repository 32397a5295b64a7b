import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { readPartitionsToEnd } from '../../../pipeline/runtime/changelog.js';
import { createStageProducer } from '../../../pipeline/runtime/producer.js';
import type { OutputRecord, Stage } from '../../../pipeline/runtime/stage.js';
import { StageRunner } from '../../../pipeline/runtime/stage-runner.js';
import { uniqueName } from '../../helpers/services.js';
import { stageTopics } from '../../helpers/stage-topics.js';

const GOOD_BEFORE = 20;
const GOOD_AFTER = 20;

/**
 * Copies each input record; the one whose value is `poison` becomes a 2 MB record, which the broker
 * refuses (`message.max.bytes`, 1 MB by default): a produce that no retry mends. Its tick lets go of
 * everything it took, as a stage that wrote its state would, so a tick would commit past the poison.
 */
class CopyStage implements Stage {
  readonly inputs: string[];
  readonly name = 'copy-refused';
  readonly taken: string[] = [];
  constructor(
    input: string,
    private readonly output: string,
    readonly groupId: string,
  ) {
    this.inputs = [input];
  }
  handleBatch(_topic: string, _partition: number, messages: KafkaMessage[]): OutputRecord[] {
    return messages.map((m) => {
      const value = m.value!.toString();
      this.taken.push(value);
      return {
        topic: this.output,
        key: 'k',
        value: value === 'poison' ? 'x'.repeat(2 * 1024 * 1024) : value,
      };
    });
  }
  /** A record every tick, saying whether the poison had been taken when the tick ran. */
  tick(): OutputRecord[] {
    const value = this.taken.includes('poison') ? 'tick-after-poison' : 'tick-before-poison';
    return [{ topic: this.output, key: 't', value }];
  }
}

describe('StageRunner: an output the broker refuses', () => {
  test('stops the stage through onFatal and commits nothing past the refused record', async () => {
    const log = pino({ level: 'silent' });
    const { kafka, admin, input, output } = await stageTopics('refused', log, { input: 1, output: 1 });
    const group = uniqueName('refused-group');
    const producer = createStageProducer(kafka);
    await producer.connect();
    const values = [
      ...Array.from({ length: GOOD_BEFORE }, (_, i) => `before-${i}`),
      'poison',
      ...Array.from({ length: GOOD_AFTER }, (_, i) => `after-${i}`),
    ];
    // One record per request: each fetch may end anywhere, the poison is at offset GOOD_BEFORE.
    for (const value of values) await producer.send({ topic: input, acks: -1, messages: [{ value }] });
    await producer.disconnect();

    const stage = new CopyStage(input, output, group);
    let fatal: ((err: unknown) => void) | undefined;
    const failed = new Promise<unknown>((resolve) => (fatal = resolve));
    const runner = new StageRunner(kafka, stage, log, { tickMs: 5, onFatal: (err) => fatal!(err) });
    onTestFinished(() => runner.stop());
    await runner.start();

    const err = await failed;
    expect(String((err as Error).message ?? err)).toMatch(/larger than the max message size|too large/i);
    expect(stage.taken).toContain('poison');
    expect(runner.ready).toBe(false);
    expect(runner.error).toBe(err);
    // Whatever was committed (by the batches before the poison's) stops short of the poison: a
    // restart replays it. Ticks ran every 5 ms while the refusal was retried; none committed past it.
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [input] });
    const committed = Number(offsets!.partitions[0]!.offset);
    expect(committed).toBeLessThanOrEqual(GOOD_BEFORE);
    // Nothing handed over after the poison was produced: not the records after it, and not a
    // tick's (which, in a stage with a changelog, would record state whose outputs are lost).
    await runner.stop();
    const written = (await readPartitionsToEnd(kafka, output, [0])).get(0)!.map((r) => r.value!.toString());
    expect(written.filter((v) => v === 'tick-after-poison' || v.startsWith('after-'))).toEqual([]);
  }, 120_000);
});
