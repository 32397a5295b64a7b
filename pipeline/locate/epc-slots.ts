/** Words of a 96-bit EPC (24 upper-case hex digits): the common SGTIN-96 / SSCC-96 tags. */
const WORDS = 3;
const HEX96 = /^[0-9A-F]{24}$/;
const EMPTY = -1;
const DELETED = -2;

/**
 * EPC → small integer slot, so per-pallet fields can live in typed-array columns indexed by slot
 * (docs/pipeline.md, "State size"). A 96-bit EPC in upper-case hex is kept as three 32-bit words
 * in an open-addressing table (12 B a key, no string); any other EPC (longer, shorter, lower case)
 * falls back to a string-keyed Map, so every EPC works and round-trips exactly. Freed slots are
 * reused.
 */
export class EpcSlots {
  private keys = new Uint32Array(1024 * WORDS);
  /** Open-addressing table of slot numbers (EMPTY / DELETED markers), linear probing. */
  private table = new Int32Array(2048).fill(EMPTY);
  private tableUsed = 0;
  private readonly long = new Map<string, number>();
  private readonly longOf = new Map<number, string>();
  private free: number[] = [];
  private next = 0;
  private live = 0;
  /**
   * The last EPC found and its slot: locate looks one observation's EPC up several times in a row
   * (replay guard, timers, locate state), a tenth of its CPU before this (bench profile).
   */
  private lastEpc: string | undefined;
  private lastSlot = -1;
  /** Called with the new capacity when the slot columns must grow. */
  onGrow: (capacity: number) => void = () => {};

  get size(): number {
    return this.live;
  }

  /** Slots handed out so far (live or freed): iterate 0..highWater. */
  get highWater(): number {
    return this.next;
  }

  get capacity(): number {
    return this.keys.length / WORDS;
  }

  find(epc: string): number {
    if (epc === this.lastEpc) return this.lastSlot;
    const slot = this.lookUp(epc);
    if (slot >= 0) this.remember(epc, slot);
    return slot;
  }

  private remember(epc: string, slot: number): void {
    this.lastEpc = epc;
    this.lastSlot = slot;
  }

  private lookUp(epc: string): number {
    if (!HEX96.test(epc)) return this.long.get(epc) ?? -1;
    const w0 = parseInt(epc.slice(0, 8), 16);
    const w1 = parseInt(epc.slice(8, 16), 16);
    const w2 = parseInt(epc.slice(16, 24), 16);
    const mask = this.table.length - 1;
    for (let i = hash(w0, w1, w2) & mask; ; i = (i + 1) & mask) {
      const slot = this.table[i]!;
      if (slot === EMPTY) return -1;
      if (slot >= 0 && this.matches(slot, w0, w1, w2)) return slot;
    }
  }

  /** The EPC's slot, allocated when it has none. */
  intern(epc: string): number {
    const found = this.find(epc);
    if (found >= 0) return found;
    const slot = this.allocate();
    this.remember(epc, slot);
    if (!HEX96.test(epc)) {
      this.long.set(epc, slot);
      this.longOf.set(slot, epc);
      return slot;
    }
    const w0 = parseInt(epc.slice(0, 8), 16);
    const w1 = parseInt(epc.slice(8, 16), 16);
    const w2 = parseInt(epc.slice(16, 24), 16);
    this.keys[slot * WORDS] = w0;
    this.keys[slot * WORDS + 1] = w1;
    this.keys[slot * WORDS + 2] = w2;
    if ((this.tableUsed + 1) * 2 > this.table.length) this.rehash();
    this.insert(slot, w0, w1, w2);
    return slot;
  }

  release(slot: number): void {
    if (slot === this.lastSlot) this.lastEpc = undefined;
    const epc = this.longOf.get(slot);
    if (epc !== undefined) {
      this.longOf.delete(slot);
      this.long.delete(epc);
    } else {
      const w0 = this.keys[slot * WORDS]!;
      const w1 = this.keys[slot * WORDS + 1]!;
      const w2 = this.keys[slot * WORDS + 2]!;
      const mask = this.table.length - 1;
      for (let i = hash(w0, w1, w2) & mask; ; i = (i + 1) & mask) {
        const s = this.table[i]!;
        if (s === EMPTY) break;
        if (s === slot) {
          this.table[i] = DELETED; // tableUsed still counts it until the next rehash
          break;
        }
      }
    }
    this.free.push(slot);
    this.live--;
  }

  /** The EPC of a live slot. */
  epcOf(slot: number): string {
    const long = this.longOf.get(slot);
    if (long !== undefined) return long;
    let out = '';
    for (let k = 0; k < WORDS; k++)
      out += this.keys[slot * WORDS + k]!.toString(16).toUpperCase().padStart(8, '0');
    return out;
  }

  private matches(slot: number, w0: number, w1: number, w2: number): boolean {
    const o = slot * WORDS;
    return this.keys[o] === w0 && this.keys[o + 1] === w1 && this.keys[o + 2] === w2;
  }

  private allocate(): number {
    this.live++;
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const slot = this.next++;
    if (slot >= this.capacity) {
      const grown = new Uint32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
      this.onGrow(this.capacity);
    }
    return slot;
  }

  private insert(slot: number, w0: number, w1: number, w2: number): void {
    const mask = this.table.length - 1;
    let i = hash(w0, w1, w2) & mask;
    while (this.table[i]! >= 0) i = (i + 1) & mask;
    if (this.table[i] === EMPTY) this.tableUsed++;
    this.table[i] = slot;
  }

  /** Rebuild the table without deleted markers, at a load of at most 1/2 (short probes). */
  private rehash(): void {
    const old = this.table;
    let size = this.table.length;
    while (size < (this.live + 1) * 2) size *= 2;
    this.table = new Int32Array(size).fill(EMPTY);
    this.tableUsed = 0;
    for (const slot of old) {
      if (slot < 0) continue;
      const o = slot * WORDS;
      this.insert(slot, this.keys[o]!, this.keys[o + 1]!, this.keys[o + 2]!);
    }
  }
}

function hash(w0: number, w1: number, w2: number): number {
  let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ w1 ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ w2 ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}
