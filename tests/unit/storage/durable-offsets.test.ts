import { describe, expect, it } from 'vitest';
import { DurableOffsets } from '../../../pipeline/sink/durable-offsets.js';

describe('DurableOffsets: input offsets wait for the WAL flush past their commit', () => {
  it('holds each partition at its first batch not yet on disk, and lets go as the flush passes', () => {
    const d = new DurableOffsets();
    d.wrote('events', 0, 100, 1_000n);
    d.wrote('events', 0, 150, 2_000n);
    d.wrote('events', 1, 40, 1_500n);
    d.wrote('alerts', 0, 7, 1_200n);
    expect(d.retained('events', 0)).toBe(100);
    expect(d.retained('events', 1)).toBe(40);
    expect(d.retained('alerts', 0)).toBe(7);
    expect(d.waiting).toBe(4);
    expect(d.highestWaiting()).toBe(2_000n);

    d.flushedTo(1_200n); // exactly at a commit's end: that one is durable
    expect(d.retained('events', 0)).toBe(150);
    expect(d.retained('events', 1)).toBe(40);
    expect(d.retained('alerts', 0)).toBeUndefined();

    d.flushedTo(5_000n);
    expect(d.retained('events', 0)).toBeUndefined();
    expect(d.retained('events', 1)).toBeUndefined();
    expect(d.waiting).toBe(0);
    expect(d.highestWaiting()).toBeUndefined();
  });

  it('a later batch flushed does not let an earlier one of the same partition go', () => {
    // Two connections: the later batch's commit may end before the earlier one's in the WAL.
    const d = new DurableOffsets();
    d.wrote('events', 0, 100, 3_000n);
    d.wrote('events', 0, 150, 2_000n);
    d.flushedTo(2_500n);
    expect(d.retained('events', 0)).toBe(100);
    d.flushedTo(3_000n);
    expect(d.retained('events', 0)).toBeUndefined();
  });

  it('never moves the flush position back, and holds nothing already on disk', () => {
    const d = new DurableOffsets();
    d.flushedTo(4_000n);
    d.flushedTo(1_000n);
    d.wrote('events', 0, 10, 3_999n);
    expect(d.retained('events', 0)).toBeUndefined();
    d.wrote('events', 0, 20, 4_001n);
    expect(d.retained('events', 0)).toBe(20);
  });

  it('forgets revoked partitions only', () => {
    const d = new DurableOffsets();
    d.wrote('events', 0, 10, 100n);
    d.wrote('events', 1, 20, 100n);
    d.wrote('alerts', 0, 30, 100n);
    d.forget('events', [0]);
    expect(d.retained('events', 0)).toBeUndefined();
    expect(d.retained('events', 1)).toBe(20);
    expect(d.retained('alerts', 0)).toBe(30);
    expect(d.waiting).toBe(2);
  });
});
