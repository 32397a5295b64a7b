/** Block sizes (numbers) of the size classes; a list longer than the last is not slab-held. */
const CLASS_SIZES = [4, 8, 16, 32, 64] as const;

/**
 * Short lists of numbers (a pallet's packed current-zone evidence) in a few shared Float64Arrays,
 * one per size class, with a free list each: a list costs its 8 B a number rounded up to its class,
 * not a JS array of its own (~100 B of headers and slack). A handle is `class * 2^26 + block`.
 */
export class NumberSlab {
  private readonly pools = CLASS_SIZES.map(() => new Float64Array(0));
  private readonly used = CLASS_SIZES.map(() => 0);
  private readonly free: number[][] = CLASS_SIZES.map(() => []);

  /** The largest list the slab holds. */
  static readonly MAX = 64; // CLASS_SIZES.at(-1)

  /** Store `values` (at most MAX), reusing `handle`'s block when it fits; returns the handle. */
  write(handle: number, values: readonly number[]): number {
    const cls = classFor(values.length);
    if (handle >= 0 && Math.floor(handle / BLOCKS) !== cls) {
      this.release(handle);
      handle = -1;
    }
    if (handle < 0) handle = cls * BLOCKS + this.allocate(cls);
    const pool = this.pools[cls]!;
    const offset = (handle % BLOCKS) * CLASS_SIZES[cls]!;
    for (let i = 0; i < values.length; i++) pool[offset + i] = values[i]!;
    return handle;
  }

  read(handle: number, length: number): number[] {
    const cls = Math.floor(handle / BLOCKS);
    const pool = this.pools[cls]!;
    const offset = (handle % BLOCKS) * CLASS_SIZES[cls]!;
    const out = new Array<number>(length);
    for (let i = 0; i < length; i++) out[i] = pool[offset + i]!;
    return out;
  }

  /** The `i`th number of `handle`'s list. */
  at(handle: number, i: number): number {
    const cls = Math.floor(handle / BLOCKS);
    return this.pools[cls]![(handle % BLOCKS) * CLASS_SIZES[cls]! + i]!;
  }

  /** Set the `i`th number of `handle`'s list (within its length). */
  setAt(handle: number, i: number, value: number): void {
    const cls = Math.floor(handle / BLOCKS);
    this.pools[cls]![(handle % BLOCKS) * CLASS_SIZES[cls]! + i] = value;
  }

  release(handle: number): void {
    if (handle >= 0) this.free[Math.floor(handle / BLOCKS)]!.push(handle % BLOCKS);
  }

  private allocate(cls: number): number {
    const reused = this.free[cls]!.pop();
    if (reused !== undefined) return reused;
    const block = this.used[cls]!;
    this.used[cls] = block + 1;
    const size = CLASS_SIZES[cls]!;
    const pool = this.pools[cls]!;
    if ((block + 1) * size > pool.length) {
      const grown = new Float64Array(Math.max(size * 1024, pool.length * 2));
      grown.set(pool);
      this.pools[cls] = grown;
    }
    return block;
  }
}

const BLOCKS = 2 ** 26;

function classFor(length: number): number {
  const cls = CLASS_SIZES.findIndex((size) => length <= size);
  if (cls < 0) throw new Error(`NumberSlab: a list of ${length} numbers is longer than ${NumberSlab.MAX}`);
  return cls;
}
