import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DedupStage } from '../../../pipeline/dedup/dedup-stage.js';
import { ManualClock } from '../../../runtime/clock.js';
import { Alert, DeadLetter, kafkaTopics } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, batch, read, smallSite } from './fixtures.js';

const topics = kafkaTopics('unit');

function message(value: unknown, offset: number): KafkaMessage {
  return {
    key: null,
    value: Buffer.from(JSON.stringify(value)),
    offset: String(offset),
    timestamp: String(Math.floor(T0 / 1000)),
    attributes: 0,
    headers: {},
  };
}

describe('DedupStage', () => {
  it('dead-letters a read whose reader clock jumped, with its code, and keeps the rest of the batch', () => {
    const stage = new DedupStage(topics, 'g', smallSite, new ManualClock(T0), { emitFirstRead: true });
    const jumped = { ...batch('R1', [read(EPC1, 1, T0 + 7_200_000_000), read(EPC2, 1, T0)]), sentAtUs: T0 };
    const out = stage.handleBatch(topics.reads, 0, [message(jumped, 0)]);
    const letters = out
      .filter((r) => r.topic === topics.dlq)
      .map((r) => DeadLetter.parse(JSON.parse(r.value)));
    expect(letters.map((l) => [l.stage, l.code, l.readerId])).toEqual([
      ['dedup', 'BT_READER_CLOCK_AHEAD', 'R1'],
    ]);
    expect(letters[0]!.payload).toContain(EPC1);
    // The good read's first-read observation went out at once.
    expect(out.filter((r) => r.topic === topics.observations).map((r) => r.key)).toEqual([EPC2]);
  });

  it('raises READER_DOWN on an offline status (a last will has no time: the record time stands in)', () => {
    const stage = new DedupStage(topics, 'g', smallSite, new ManualClock(T0));
    expect(stage.inputs).toContain(topics.readerStatus);
    const out = stage.handleBatch(topics.readerStatus, 0, [
      message({ v: 1, site: 'T1', readerId: 'R2', state: 'offline' }, 5),
      message({ v: 1, site: 'T1', readerId: 'R2', state: 'upside-down' }, 6),
    ]);
    const alerts = out.filter((r) => r.topic === topics.alerts).map((r) => Alert.parse(JSON.parse(r.value)));
    expect(alerts.map((a) => [a.kind, a.readerId, a.atUs])).toEqual([['READER_DOWN', 'R2', T0]]);
    expect(out.filter((r) => r.topic === topics.dlq)).toHaveLength(1);
    // Status records hold no window: they never hold back the reads' commits, nor are theirs held.
    expect(stage.retainedOffset(topics.readerStatus, 0)).toBeUndefined();
  });
});
