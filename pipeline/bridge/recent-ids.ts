/**
 * A bounded set of recently seen ids (oldest evicted first): the bridge's memory of forwarded
 * batch ids, so that an adapter's replay of a batch it was not sure about is dropped.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError('capacity must be > 0');
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first value is the oldest.
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
