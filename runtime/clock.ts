/**
 * Time as operators see it. Production code gets `systemClock`; tests drive a `ManualClock`.
 * Operators never read the wall clock themselves (see STYLE.md §2), so replays are deterministic.
 */
export interface Clock {
  /** Microseconds since the Unix epoch. */
  nowUs(): number;
}

export const systemClock: Clock = {
  nowUs: () => Math.round(performance.timeOrigin * 1000 + performance.now() * 1000),
};

export class ManualClock implements Clock {
  constructor(private us: number) {}
  nowUs(): number {
    return this.us;
  }
  set(us: number): void {
    this.us = us;
  }
  advance(us: number): void {
    this.us += us;
  }
}
