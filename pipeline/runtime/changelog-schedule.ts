import type { Clock } from '../../runtime/clock.js';

/**
 * When a stateful stage writes its changelog, per input partition: the keys changed since the
 * partition's last write, whether anything was applied since (its progress, `nextOffset`, is then
 * unwritten even when no key changed: a batch of dead letters), at most once per `intervalUs` of
 * processing time, and the input offset the last write covers: the runner commits no further, so a
 * restart restores an older state and replays a little more, never less. Dedup (keys: reader ids)
 * and locate (keys: EPCs) share it.
 */
export class ChangelogSchedule {
  private readonly changed = new Map<number, Set<string>>();
  private readonly pending = new Set<number>();
  private readonly writtenAtUs = new Map<number, number>();
  private readonly covered = new Map<number, number>();

  constructor(
    private readonly clock: Clock,
    /** Processing time between writes of a partition; 0 writes after every batch. */
    readonly intervalUs = 1_000_000,
  ) {
    if (!(intervalUs >= 0)) throw new RangeError('changelogIntervalUs must be >= 0');
  }

  /** The keys of the partition changed since its last write (add to it). */
  keys(partition: number): Set<string> {
    let keys = this.changed.get(partition);
    if (!keys) this.changed.set(partition, (keys = new Set()));
    return keys;
  }

  /** The partition's state moved on (input applied, windows flushed): it has a write to make. */
  note(partition: number): void {
    this.pending.add(partition);
  }

  /** A write to make, and no write yet or `intervalUs` since the partition's last one. */
  due(partition: number): boolean {
    if (!this.pending.has(partition)) return false;
    const lastUs = this.writtenAtUs.get(partition);
    return lastUs === undefined || this.clock.nowUs() - lastUs >= this.intervalUs;
  }

  /** The partitions whose write is due, in partition order. */
  duePartitions(): number[] {
    return [...this.pending].filter((p) => this.due(p)).sort((a, b) => a - b);
  }

  /**
   * The partition's changes are in the changelog, up to input offset `nextOffset`. Its key set is
   * emptied in place: a batch that writes a segment half-way keeps adding to the set it holds.
   */
  written(partition: number, nextOffset: number): void {
    this.changed.get(partition)?.clear();
    this.pending.delete(partition);
    this.writtenAtUs.set(partition, this.clock.nowUs());
    this.covered.set(partition, nextOffset);
  }

  /**
   * The partition's state came from its changelog, up to `nextOffset`. `writeAtOnce`: its first
   * change is written without waiting for the interval (the new owner's progress on record at once).
   */
  restored(partition: number, nextOffset: number, writeAtOnce: boolean): void {
    this.changed.get(partition)?.clear();
    this.pending.delete(partition);
    if (writeAtOnce) this.writtenAtUs.delete(partition);
    else this.writtenAtUs.set(partition, this.clock.nowUs());
    this.covered.set(partition, nextOffset);
  }

  /** State that starts empty holds nothing below `offset`: covered up to it, unless already known. */
  startAt(partition: number, offset: number): void {
    if (!this.covered.has(partition)) this.covered.set(partition, offset);
  }

  /** Input offsets of the partition below this are in the changelog (or were never in state). */
  coveredOffset(partition: number): number | undefined {
    return this.covered.get(partition);
  }

  /** The partition went to another worker. */
  forget(partition: number): void {
    this.changed.delete(partition);
    this.pending.delete(partition);
    this.writtenAtUs.delete(partition);
    this.covered.delete(partition);
  }
}
