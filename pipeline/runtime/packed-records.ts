import { partitionOfKey } from './key-partitioner.js';
import type { OutputRecord } from './stage.js';
import { jsonArrayBytes } from './utf8-bytes.js';

/** A packed record as the producer takes it: its value already the JSON array's UTF-8 bytes. */
export interface PackedRecord {
  topic: string;
  key: string;
  partition: number;
  value: Buffer;
}

/**
 * Packed topics: one Kafka record carries a JSON array of the topic's messages, all of whose keys
 * the Java partitioner sends to the record's partition. kafkajs pays per record, not per byte: its
 * encoding, CRC and buffer copies were ~18 µs per observation produced, over a third of dedup's CPU,
 * and its decoding a tenth of locate's (bench profiles of 2026-11-27). Consumers accept a record
 * holding one message as well (`unpackJson`), so a hand-produced message still works.
 *
 * Keys keep their meaning: each message lands on the partition its own key would have given it
 * (`partitionOfKey`), so co-partitioned joins are unchanged; the record's key is its first message's.
 * A packed topic has no tombstones (it is not compacted).
 */
export function packRecords(records: OutputRecord[], partitions: number): PackedRecord[] {
  const byPartition = new Map<number, OutputRecord[]>();
  for (const r of records) {
    const p = r.partition ?? partitionOfKey(r.key, partitions);
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(r);
  }
  const out: PackedRecord[] = [];
  for (const [partition, list] of byPartition) {
    const first = list[0]!;
    out.push({
      topic: first.topic,
      key: first.key,
      partition,
      // Written once as bytes: a joined string would be copied again into UTF-8 (utf8-bytes.ts).
      value: jsonArrayBytes(list.map((r) => r.value)),
    });
  }
  return out;
}

/** A packed record's messages: a JSON array's elements, or the one message a record holds alone. */
export function unpackJson(json: unknown): unknown[] {
  return Array.isArray(json) ? json : [json];
}
