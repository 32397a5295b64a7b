/**
 * Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with "full jitter" (a uniform
 * draw in [delay/2, delay]) so that dozens of adapters cut off by the same switch reboot do not
 * reconnect in lockstep. `random` is injected so tests can pin the draw.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(initialMs > 0)) throw new RangeError(`backoff initialMs must be > 0, got ${initialMs}`);
    if (!(maxMs >= initialMs)) throw new RangeError(`backoff maxMs must be ≥ initialMs, got ${maxMs}`);
  }

  /** The delay before the next attempt; each call doubles the base up to the cap. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const r = Math.min(1, Math.max(0, this.random()));
    return Math.round(base / 2 + (base / 2) * r);
  }

  /** After a connection that worked: start again from `initialMs`. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
