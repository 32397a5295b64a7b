import { describe, expect, it } from 'vitest';
import { partitionOfKey } from '../../../pipeline/runtime/key-partitioner.js';
import { packRecords, unpackJson } from '../../../pipeline/runtime/packed-records.js';
import type { OutputRecord } from '../../../pipeline/runtime/stage.js';

const epc = (i: number): string =>
  (0x3034f4e4e52a0a95d8000000n + BigInt(i * 104_729)).toString(16).toUpperCase();

describe('packed records', () => {
  it('packs per partition, keeping every value once and in order, under the partition of its key', () => {
    const records: OutputRecord[] = Array.from({ length: 300 }, (_, i) => ({
      topic: 'obs',
      key: epc(i % 40),
      value: JSON.stringify({ i, epc: epc(i % 40) }),
    }));
    const packed = packRecords(records, 6);
    expect(packed.length).toBeLessThanOrEqual(6);
    expect(new Set(packed.map((r) => r.partition)).size).toBe(packed.length);
    const seen: number[] = [];
    for (const record of packed) {
      expect(record.topic).toBe('obs');
      const values = unpackJson(JSON.parse(record.value.toString('utf8'))) as Array<{
        i: number;
        epc: string;
      }>;
      // The record's key is its first message's, so the partitioner agrees with the explicit partition.
      expect(record.key).toBe(values[0]!.epc);
      expect(partitionOfKey(record.key, 6)).toBe(record.partition);
      for (const v of values) expect(partitionOfKey(v.epc, 6)).toBe(record.partition);
      const order = values.map((v) => v.i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      seen.push(...order);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
  });

  it('honours an explicit partition and packs nothing out of nothing', () => {
    const packed = packRecords([{ topic: 't', key: epc(1), value: '{"a":1}', partition: 5 }], 6);
    expect(packed.map((r) => ({ ...r, value: r.value.toString('utf8') }))).toEqual([
      { topic: 't', key: epc(1), value: '[{"a":1}]', partition: 5 },
    ]);
    expect(packRecords([], 6)).toEqual([]);
  });

  it('reads a record holding one message alone as a pack of one', () => {
    expect(unpackJson({ a: 1 })).toEqual([{ a: 1 }]);
    expect(unpackJson([{ a: 1 }, { b: 2 }])).toEqual([{ a: 1 }, { b: 2 }]);
  });
});
