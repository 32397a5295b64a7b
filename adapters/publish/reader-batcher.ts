import type { Clock } from '../../runtime/clock.js';
import type { ReadBatch, TagRead } from '../../schemas/index.js';

export interface BatcherSettings {
  site: string;
  source: string;
  bootId: string;
  batchSize: number;
  lingerMs: number;
  clock: Clock;
}

/**
 * Collects one reader's reads into ReadBatch messages: a batch is formed when it holds `batchSize`
 * reads or when its first read has waited `lingerMs`, whichever comes first. `seq` starts at 0 for
 * each process start and grows by one per batch, so the consumer can spot a gap.
 */
export class ReaderBatcher {
  readonly readerId: string;
  private reads: TagRead[] = [];
  private seq = 0;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    readerId: string,
    private readonly settings: BatcherSettings,
    private readonly onBatch: (batch: ReadBatch) => void,
  ) {
    this.readerId = readerId;
  }

  /** Reads waiting for their batch to be formed. */
  get pending(): number {
    return this.reads.length;
  }

  add(read: TagRead): void {
    this.reads.push(read);
    if (this.reads.length >= this.settings.batchSize) {
      this.formBatch();
    } else if (this.reads.length === 1) {
      this.lingerTimer = setTimeout(() => this.formBatch(), this.settings.lingerMs);
    }
  }

  /** Form a batch from whatever is waiting (nothing happens when the buffer is empty). */
  formBatch(): void {
    if (this.lingerTimer !== undefined) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.reads.length === 0) return;
    const seq = this.seq++;
    const batch: ReadBatch = {
      v: 1,
      site: this.settings.site,
      readerId: this.readerId,
      source: this.settings.source,
      batchId: `${this.readerId}:${this.settings.bootId}:${seq}`,
      seq,
      sentAtUs: this.settings.clock.nowUs(),
      reads: this.reads,
    };
    this.reads = [];
    this.onBatch(batch);
  }

  /** Stop the linger timer without forming a batch (used after the final flush). */
  stop(): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }
}
