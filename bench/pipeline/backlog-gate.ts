import { toError } from './to-error.js';

const POLL_MS = 50;

/**
 * Capacity mode's closed loop: a batch may be published only while fewer than `maxBacklog` batches
 * are published but not yet in the raw topic, i.e. waiting in Mosquitto for the bridge. The broker's
 * per-session queue then never overflows (nothing is dropped), and the offered rate settles at what
 * the bridge takes. Polls the raw topic's size every 50 ms while someone waits.
 */
export class BacklogGate {
  private delivered = 0;
  private waitedMs = 0;
  private polling: Promise<void> | undefined;
  private failure: Error | undefined;

  /**
   * @param maxBacklog batches allowed between publish and the raw topic
   * @param deliveredBatches records in the raw topic now (the bridge's output)
   */
  constructor(
    private readonly maxBacklog: number,
    private readonly deliveredBatches: () => Promise<number>,
  ) {}

  /** Milliseconds publishers spent held back: the share of the load the bridge set the pace. */
  get heldMs(): number {
    return this.waitedMs;
  }

  /** Resolve once `issued` (batches published or in flight) is less than `maxBacklog` ahead. */
  async admit(issued: number): Promise<void> {
    if (issued - this.delivered < this.maxBacklog) return;
    const started = performance.now();
    while (issued - this.delivered >= this.maxBacklog) {
      if (this.failure) throw this.failure;
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
      await this.polling;
    }
    this.waitedMs += performance.now() - started;
  }

  private async poll(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    try {
      this.delivered = await this.deliveredBatches();
    } catch (err) {
      this.failure = toError(err);
    }
  }
}
