import type { TagRead } from '../schemas/index.js';
import { SimulatedSerialReader } from './serial-reader.js';

/**
 * What a simulated reader does when its serial line does not keep up:
 * - `wait`: the run waits for the port (lossless; a port nobody reads stalls the whole run).
 * - `drop`: the reader queues up to `maxQueuedReads` and drops newer reads beyond that, as a real
 *   reader's buffer overflows; the run never waits for the port.
 */
export type Backpressure = 'wait' | 'drop';

/** One simulated reader's serial line: the writer plus, in `drop` mode, its bounded queue. */
export class ReaderPort {
  written = 0;
  dropped = 0;
  private queued = 0;
  private readonly queue: TagRead[][] = [];
  private pumping: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    readonly readerId: string,
    private readonly writer: SimulatedSerialReader,
    private readonly maxQueuedReads: number,
  ) {}

  static async open(readerId: string, path: string, maxQueuedReads: number): Promise<ReaderPort> {
    return new ReaderPort(readerId, await SimulatedSerialReader.open({ path }), maxQueuedReads);
  }

  /** Reads not yet written (drop mode). */
  get backlog(): number {
    return this.queued;
  }

  /** `wait` mode: resolves once the port has taken the reads. */
  async write(reads: TagRead[]): Promise<void> {
    await this.writer.writeReads(reads);
    this.written += reads.length;
  }

  /** `drop` mode: queue what fits, drop the rest, write in the background. */
  enqueue(reads: TagRead[]): void {
    if (this.failure !== undefined) throw this.failure;
    const room = Math.max(0, this.maxQueuedReads - this.queued);
    const kept = reads.length <= room ? reads : reads.slice(0, room);
    this.dropped += reads.length - kept.length;
    if (kept.length === 0) return;
    this.queue.push(kept);
    this.queued += kept.length;
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Resolves when the queue is empty (or the port failed). */
  async flushed(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    try {
      for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) {
        await this.writer.writeReads(batch);
        this.queued -= batch.length;
        this.written += batch.length;
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      this.dropped += this.queued;
      this.queued = 0;
      this.queue.length = 0;
    }
  }

  /** Reads still queued when the port closes are counted as dropped. */
  async close(): Promise<void> {
    await this.writer.close();
    await this.flushed();
  }
}
