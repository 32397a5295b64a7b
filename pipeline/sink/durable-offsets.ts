/**
 * Which input offsets the sink may commit when its transactions commit asynchronously.
 *
 * With `synchronous_commit = off` PostgreSQL makes a transaction visible at COMMIT and writes it to
 * disk a little later (the WAL writer flushes every `wal_writer_delay`, 200 ms by default; a crash
 * in between loses the transaction but never half of it — PostgreSQL manual, "Asynchronous
 * Commit"). The rows are then on the dashboards at once, but their input offsets may be committed
 * only once the WAL is flushed past the transaction's commit record: a crash before that replays
 * the batch from Kafka, and the sink's deterministic ids make the second write a no-op. This holds
 * each written batch's first offset with its commit LSN until the flush position passes it.
 *
 * Batches of one topic-partition are handled one after another, so each queue is in offset order
 * and also in LSN order for the purpose of release: an entry is released only with every entry
 * before it (a later commit flushed first does not let an earlier one go).
 */
export class DurableOffsets {
  private readonly held = new Map<string, Array<{ offset: number; lsn: bigint }>>();
  private flushed = 0n;

  /** A batch starting at `offset` was committed (asynchronously) with its commit record ending at `lsn`. */
  wrote(topic: string, partition: number, offset: number, lsn: bigint): void {
    if (lsn <= this.flushed) return;
    const key = `${partition}:${topic}`;
    let queue = this.held.get(key);
    if (!queue) this.held.set(key, (queue = []));
    queue.push({ offset, lsn });
  }

  /** The WAL is on disk up to `lsn` (`pg_current_wal_flush_lsn()`). Never moves back. */
  flushedTo(lsn: bigint): void {
    if (lsn <= this.flushed) return;
    this.flushed = lsn;
    for (const [key, queue] of this.held) {
      let n = 0;
      while (n < queue.length && queue[n]!.lsn <= lsn) n++;
      if (n === queue.length) this.held.delete(key);
      else if (n > 0) queue.splice(0, n);
    }
  }

  /** The first offset of this topic-partition whose write is not yet on disk, if any. */
  retained(topic: string, partition: number): number | undefined {
    return this.held.get(`${partition}:${topic}`)?.[0]?.offset;
  }

  /** The highest commit LSN still waiting for the flush, or undefined when nothing waits. */
  highestWaiting(): bigint | undefined {
    let highest: bigint | undefined;
    for (const queue of this.held.values()) {
      const last = queue[queue.length - 1]!.lsn;
      if (highest === undefined || last > highest) highest = last;
    }
    return highest;
  }

  /** Partitions this worker no longer owns: their next owner replays from the last commit anyway. */
  forget(topic: string, partitions: readonly number[]): void {
    for (const p of partitions) this.held.delete(`${p}:${topic}`);
  }

  get waiting(): number {
    let n = 0;
    for (const queue of this.held.values()) n += queue.length;
    return n;
  }
}
