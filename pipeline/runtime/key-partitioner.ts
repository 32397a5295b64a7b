import { Partitioners, type ICustomPartitioner, type PartitionMetadata, type PartitionerArgs } from 'kafkajs';

/** Keys remembered per partition count before the memo starts over (~100 B each). */
const MAX_REMEMBERED_KEYS = 200_000;

/**
 * The Java client's partitioner (murmur2 of the key, modulo the partition count: kafkajs's
 * `Partitioners.DefaultPartitioner`, so a key lands on the same partition number whichever client
 * produced it), with each string key's hash remembered. kafkajs computes murmur2 with a 64-bit
 * `Long` emulation and copies the key into a Buffer on every message; our keys repeat (an EPC is
 * produced again with every window of every antenna that reads it), and that was ~5% of dedup's CPU
 * (bench profile). The answer depends on the key and the partition count alone, so the memo is
 * kept per partition count; explicit partitions and keyless messages go to kafkajs as before.
 */
export const CachedKeyPartitioner: ICustomPartitioner = () => {
  const java = Partitioners.DefaultPartitioner();
  const memo = new Map<number, Map<string, number>>();
  return (args: PartitionerArgs): number => {
    const { message, partitionMetadata } = args;
    const key = message.key;
    if (typeof key !== 'string' || (message.partition !== undefined && message.partition !== null))
      return java(args);
    const count = partitionMetadata.length;
    let known = memo.get(count);
    if (!known) {
      known = new Map();
      memo.set(count, known);
    }
    let partition = known.get(key);
    if (partition === undefined) {
      partition = java(args);
      if (known.size >= MAX_REMEMBERED_KEYS) known.clear();
      known.set(key, partition);
    }
    return partition;
  };
};

const partitioner = CachedKeyPartitioner();
const metadataByCount = new Map<number, PartitionMetadata[]>();

/** The partition the producer gives `key` on a topic of `partitions` partitions (murmur2, as Java's). */
export function partitionOfKey(key: string, partitions: number): number {
  let partitionMetadata = metadataByCount.get(partitions);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    metadataByCount.set(partitions, partitionMetadata);
  }
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}
