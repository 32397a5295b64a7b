import { describe, expect, it, onTestFinished } from 'vitest';
import { ReaderBatcher } from '../../../adapters/publish/reader-batcher.js';
import { createBootId } from '../../../adapters/publish/boot-id.js';
import { ManualClock } from '../../../runtime/clock.js';
import { ReadBatch, parseWith, type TagRead } from '../../../schemas/index.js';

const T0 = 1_764_000_000_000_000;
const read = (i: number): TagRead => ({
  epc: `3178E61C883950F59A00${i.toString(16).toUpperCase().padStart(4, '0')}`,
  antenna: 1,
  seenAtUs: T0 + i,
  count: 1,
});

function makeBatcher(batchSize: number, lingerMs: number) {
  const clock = new ManualClock(T0 + 5_000_000);
  const batches: ReadBatch[] = [];
  const batcher = new ReaderBatcher(
    'dock-1',
    { site: 'site-a', source: 'serial', bootId: 'boot1', batchSize, lingerMs, clock },
    (b) => batches.push(b),
  );
  onTestFinished(() => batcher.stop());
  return { batcher, batches, clock };
}

describe('ReaderBatcher', () => {
  it('forms a batch as soon as it holds batchSize reads, numbering batches from 0', () => {
    const { batcher, batches, clock } = makeBatcher(3, 60_000);
    for (let i = 0; i < 7; i++) {
      batcher.add(read(i));
      clock.advance(1000);
    }
    expect(batches.map((b) => b.reads.length)).toEqual([3, 3]);
    expect(batches.map((b) => [b.seq, b.batchId])).toEqual([
      [0, 'dock-1:boot1:0'],
      [1, 'dock-1:boot1:1'],
    ]);
    expect(batches[0]!.sentAtUs).toBe(T0 + 5_000_000 + 2000);
    expect(batches[1]!.reads.map((r) => r.seenAtUs)).toEqual([T0 + 3, T0 + 4, T0 + 5]);
    expect(batcher.pending).toBe(1);
    for (const batch of batches) expect(parseWith(ReadBatch, 'ReadBatch', batch)).toEqual(batch);
  });

  it('forms a partial batch when the first read has waited lingerMs', async () => {
    const { batcher, batches } = makeBatcher(500, 20);
    batcher.add(read(1));
    batcher.add(read(2));
    expect(batches).toHaveLength(0);
    await expect.poll(() => batches.length, { timeout: 2000 }).toBe(1);
    expect(batches[0]!.reads).toHaveLength(2);
    expect(batcher.pending).toBe(0);
  });

  it('formBatch() flushes what is waiting and does nothing when empty', () => {
    const { batcher, batches } = makeBatcher(500, 60_000);
    batcher.formBatch();
    expect(batches).toHaveLength(0);
    batcher.add(read(1));
    batcher.formBatch();
    batcher.formBatch();
    expect(batches.map((b) => b.seq)).toEqual([0]);
  });
});

describe('createBootId', () => {
  it('is the start time in base 36 plus random bits, with no colon', () => {
    const clock = new ManualClock(T0);
    const a = createBootId(clock);
    const b = createBootId(clock);
    expect(a).toMatch(/^[0-9a-z]+-[0-9a-f]{6}$/);
    expect(a.split('-')[0]).toBe(Math.floor(T0 / 1000).toString(36));
    expect(a).not.toBe(b);
  });
});
