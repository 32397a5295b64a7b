import { describe, expect, test } from 'vitest';
import { BatchSequence, bootKeyOf, readerGapAlert } from '../../../pipeline/bridge/batch-sequence.js';
import { Alert } from '../../../schemas/index.js';

const GRACE_US = 60_000_000;
const batch = (seq: number, boot = 'b1', readerId = 'RD-1') => ({
  site: 'wgq-1',
  readerId,
  batchId: `${readerId}:${boot}:${seq}`,
  seq,
  sentAtUs: 1_780_000_000_000_000 + seq,
});

describe('batch sequence gaps', () => {
  test('a run of consecutive batches has no gap', () => {
    const s = new BatchSequence();
    expect(s.observe(batch(5), 0)).toEqual({ kind: 'first' });
    for (let seq = 6; seq < 20; seq++) expect(s.observe(batch(seq), seq)).toEqual({ kind: 'next' });
    expect(s.expire(GRACE_US * 10)).toEqual([]);
  });

  test('a hole still open after the grace is reported with reader, boot and missing range', () => {
    const s = new BatchSequence({ graceUs: GRACE_US });
    s.observe(batch(0), 0);
    s.observe(batch(1), 1);
    expect(s.observe(batch(5), 1_000)).toEqual({ kind: 'hole', fromSeq: 2, toSeq: 4 });
    expect(s.expire(GRACE_US)).toEqual([]); // opened at 1 000: not yet past the grace
    expect(s.expire(GRACE_US + 1_000)).toEqual([
      {
        site: 'wgq-1',
        readerId: 'RD-1',
        bootKey: 'RD-1:b1',
        fromSeq: 2,
        toSeq: 4,
        missing: 3,
        openedAtUs: 1_000,
        revealedBySentAtUs: batch(5).sentAtUs,
      },
    ]);
    expect(s.expire(GRACE_US * 5)).toEqual([]); // reported once
  });

  test('late batches (disk-queue replay, another connection) that fill a hole are not reported', () => {
    const s = new BatchSequence({ graceUs: GRACE_US });
    s.observe(batch(0), 0);
    s.observe(batch(10), 0);
    for (const seq of [4, 1, 9, 2, 3, 5, 8, 7, 6])
      expect(s.observe(batch(seq), 10)).toEqual({ kind: 'filled' });
    expect(s.openHoles()).toBe(0);
    expect(s.expire(GRACE_US * 2)).toEqual([]);
  });

  test('a partly filled hole reports only what is still missing, as separate ranges', () => {
    const s = new BatchSequence({ graceUs: GRACE_US });
    s.observe(batch(0), 0);
    s.observe(batch(10), 0);
    s.observe(batch(5), 1);
    s.observe(batch(1), 1);
    expect(s.openHoles()).toBe(2);
    const gaps = s.expire(GRACE_US);
    expect(gaps.map((g) => [g.fromSeq, g.toSeq, g.missing])).toEqual([
      [2, 4, 3],
      [6, 9, 4],
    ]);
  });

  test('a redelivery and a batch arriving after its gap was reported are old, not gaps', () => {
    const s = new BatchSequence({ graceUs: GRACE_US });
    s.observe(batch(0), 0);
    s.observe(batch(1), 0);
    expect(s.observe(batch(1), 0)).toEqual({ kind: 'old' });
    s.observe(batch(3), 0);
    expect(s.expire(GRACE_US)).toHaveLength(1);
    expect(s.observe(batch(2), GRACE_US + 1)).toEqual({ kind: 'old' });
    expect(s.expire(GRACE_US * 3)).toEqual([]);
  });

  test('a reboot is a reset, not a gap; the new boot starts again at 0', () => {
    const s = new BatchSequence({ graceUs: GRACE_US });
    for (let seq = 0; seq < 50; seq++) s.observe(batch(seq, 'b1'), 0);
    expect(s.observe(batch(0, 'b2'), 1)).toEqual({ kind: 'reset', previousBootKey: 'RD-1:b1' });
    expect(s.observe(batch(1, 'b2'), 1)).toEqual({ kind: 'next' });
    // The previous boot's disk queue replays its tail late: its own sequence, no gap, no reset.
    expect(s.observe(batch(50, 'b1'), 2)).toEqual({ kind: 'next' });
    expect(s.expire(GRACE_US * 2)).toEqual([]);
  });

  test('a new boot whose first batches never arrive opens a hole from 0', () => {
    const s = new BatchSequence({ graceUs: GRACE_US });
    s.observe(batch(0, 'b1'), 0);
    expect(s.observe(batch(3, 'b2'), 0)).toEqual({ kind: 'reset', previousBootKey: 'RD-1:b1' });
    expect(s.expire(GRACE_US).map((g) => [g.bootKey, g.fromSeq, g.toSeq])).toEqual([['RD-1:b2', 0, 2]]);
  });

  test('readers are independent', () => {
    const s = new BatchSequence({ graceUs: GRACE_US });
    s.observe(batch(0, 'b', 'RD-1'), 0);
    s.observe(batch(7, 'b', 'RD-2'), 0);
    s.observe(batch(1, 'b', 'RD-1'), 0);
    s.observe(batch(9, 'b', 'RD-2'), 0);
    expect(s.expire(GRACE_US).map((g) => [g.readerId, g.fromSeq, g.toSeq])).toEqual([['RD-2', 8, 8]]);
  });

  test('memory is bounded: beyond holesPerBoot the oldest hole is reported at once', () => {
    const s = new BatchSequence({ graceUs: GRACE_US, holesPerBoot: 3 });
    s.observe(batch(0), 0);
    for (const seq of [2, 4, 6, 8]) s.observe(batch(seq), 0);
    expect(s.openHoles()).toBe(3);
    expect(s.expire(1).map((g) => g.fromSeq)).toEqual([1]);
  });

  test('boot keys come from ids our publisher writes; other id schemes share one sequence', () => {
    expect(bootKeyOf('RD-1:k3x9:42', 42)).toBe('RD-1:k3x9');
    expect(bootKeyOf('custom-id-42', 42)).toBe('');
    expect(bootKeyOf('RD-1:b:420', 42)).toBe('');
    expect(() => new BatchSequence({ graceUs: -1 })).toThrow(/graceUs/);
  });

  test('a gap becomes a valid READER_GAP alert whose id depends only on the gap', () => {
    const gapOf = () => {
      const s = new BatchSequence({ graceUs: 0 });
      s.observe(batch(0), 0);
      s.observe(batch(4), 123); // processing time differs between the two runs below…
      return s.expire(GRACE_US)[0]!;
    };
    const alert = Alert.parse(readerGapAlert(gapOf()));
    expect(alert).toMatchObject({
      kind: 'READER_GAP',
      site: 'wgq-1',
      readerId: 'RD-1',
      atUs: batch(4).sentAtUs,
      details: { bootKey: 'RD-1:b1', fromSeq: 1, toSeq: 3, missingBatches: 3 },
    });
    expect(readerGapAlert(gapOf()).id).toBe(alert.id); // …the id does not
  });
});
