/**
 * Timers as the client uses them, injected so the state machine can be driven by a manual clock in
 * unit tests (STYLE.md §2, like mqttjs's KeepaliveManager `Timer`).
 */
export interface Timers {
  /** Milliseconds on a monotonic clock. */
  nowMs(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export interface TimerHandle {
  readonly id: unknown;
}

export const systemTimers: Timers = {
  nowMs: () => performance.now(),
  setTimeout: (callback, ms) => {
    const id = setTimeout(callback, ms);
    return { id };
  },
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle.id as NodeJS.Timeout);
  },
};

/** Timers that only move when the test says so. */
export class ManualTimers implements Timers {
  private now = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  nowMs(): number {
    return this.now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + Math.max(0, ms), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.pending.delete(handle.id as number);
  }

  /** Timers due within `ms` from now, in time order (a callback may schedule more). */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, t] of this.pending) {
        if (t.at <= until && t.at < dueAt) {
          dueAt = t.at;
          dueId = id;
        }
      }
      if (dueId === undefined) break;
      const timer = this.pending.get(dueId)!;
      this.pending.delete(dueId);
      this.now = dueAt;
      timer.callback();
    }
    this.now = until;
  }

  /** How many timers are armed. */
  get armed(): number {
    return this.pending.size;
  }
}
