import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CachedKeyPartitioner, partitionOfKey } from '../../../pipeline/runtime/key-partitioner.js';

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, i) => ({
    partitionId: i,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

const epc = (i: number): string =>
  (0x3034f4e4e52a0a95d8000000n + BigInt(i * 7919)).toString(16).toUpperCase();

describe('CachedKeyPartitioner', () => {
  it('puts every key where the Java-compatible partitioner does, first time and remembered', () => {
    const ours = CachedKeyPartitioner();
    const java = Partitioners.DefaultPartitioner();
    for (const count of [1, 3, 6, 7]) {
      const partitionMetadata = metadata(count);
      const expected = new Map<string, number>();
      const spread = new Set<number>();
      for (let i = 0; i < 2_000; i++) {
        const key = epc(i);
        const message = { key, value: 'x' };
        const want = java({ topic: 't', partitionMetadata, message });
        expected.set(key, want);
        spread.add(want);
        expect(ours({ topic: 't', partitionMetadata, message })).toBe(want);
      }
      // Second pass: answered from the memo, the same answers.
      for (const [key, want] of expected)
        expect(ours({ topic: 't', partitionMetadata, message: { key, value: 'x' } })).toBe(want);
      expect(spread.size).toBe(count);
    }
  });

  it('keeps one memo per partition count (a topic with more partitions gets its own answers)', () => {
    const ours = CachedKeyPartitioner();
    const java = Partitioners.DefaultPartitioner();
    const key = epc(42);
    const answers = [3, 6, 12].map((count) => ({
      ours: ours({ topic: 't', partitionMetadata: metadata(count), message: { key, value: null } }),
      java: java({ topic: 't', partitionMetadata: metadata(count), message: { key, value: null } }),
    }));
    for (const a of answers) expect(a.ours).toBe(a.java);
  });

  it('honours an explicit partition and spreads keyless messages like kafkajs', () => {
    const ours = CachedKeyPartitioner();
    const partitionMetadata = metadata(6);
    expect(ours({ topic: 't', partitionMetadata, message: { key: epc(1), value: 'x', partition: 4 } })).toBe(
      4,
    );
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) seen.add(ours({ topic: 't', partitionMetadata, message: { value: 'x' } }));
    expect(seen.size).toBe(6);
  });

  it('answers Buffer keys through kafkajs (not remembered, same result)', () => {
    const ours = CachedKeyPartitioner();
    const java = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata(6);
    const key = Buffer.from(epc(9));
    expect(ours({ topic: 't', partitionMetadata, message: { key, value: 'x' } })).toBe(
      java({ topic: 't', partitionMetadata, message: { key, value: 'x' } }),
    );
  });

  it('partitionOfKey gives each key the partition the producer would, for any partition count', () => {
    const java = Partitioners.DefaultPartitioner();
    for (const count of [1, 6, 7]) {
      const partitionMetadata = metadata(count);
      for (let i = 0; i < 500; i++) {
        const key = epc(i);
        expect(partitionOfKey(key, count)).toBe(
          java({ topic: 't', partitionMetadata, message: { key, value: null } }),
        );
      }
    }
  });
});
