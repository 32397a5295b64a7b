import { describe, expect, it } from 'vitest';
import { FetchProgress } from '../../../pipeline/runtime/fetch-progress.js';
import { ManualClock } from '../../../runtime/clock.js';
import { T0 } from './fixtures.js';

describe('FetchProgress', () => {
  it('knows nothing when nothing feeds it, so callers keep their processing-time rule', () => {
    expect(new FetchProgress(new ManualClock(T0)).fetchedUpToUs()).toBeUndefined();
  });

  it('confirms a fetch that returned once the next one starts (its batches handled by then)', () => {
    const clock = new ManualClock(T0);
    const f = new FetchProgress(clock);
    f.started(1);
    expect(f.fetchedUpToUs()).toBe(Number.NEGATIVE_INFINITY);
    clock.advance(100);
    f.returned(1);
    // Returned, its batches still being handled: not yet confirmed.
    expect(f.fetchedUpToUs()).toBe(Number.NEGATIVE_INFINITY);
    clock.advance(100);
    f.started(1);
    expect(f.fetchedUpToUs()).toBe(T0);
    clock.advance(100);
    f.returned(1);
    f.started(1);
    expect(f.fetchedUpToUs()).toBe(T0 + 200);
  });

  it('confirms nothing for fetches that failed (no FETCH event): the broker away', () => {
    const clock = new ManualClock(T0);
    const f = new FetchProgress(clock);
    f.started(1);
    f.returned(1);
    f.started(1); // confirms the fetch started at T0
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000_000);
      f.started(1); // retried, failed again
    }
    expect(f.fetchedUpToUs()).toBe(T0);
  });

  it('takes the oldest over the brokers fetched from, and starts over when the group changes', () => {
    const clock = new ManualClock(T0);
    const f = new FetchProgress(clock);
    f.started(1);
    f.started(2);
    clock.advance(10);
    f.returned(1);
    f.returned(2);
    f.started(1); // broker 1: confirmed T0
    expect(f.fetchedUpToUs()).toBe(Number.NEGATIVE_INFINITY); // broker 2 not yet
    f.started(2);
    expect(f.fetchedUpToUs()).toBe(T0);
    clock.advance(10);
    f.returned(1);
    f.started(1);
    expect(f.fetchedUpToUs()).toBe(T0); // broker 2 still at T0
    f.reset();
    expect(f.fetchedUpToUs()).toBe(Number.NEGATIVE_INFINITY);
    f.started(1);
    f.returned(1);
    f.started(1);
    // Broker 2 leads none of the partitions since the rebalance: only broker 1 counts.
    expect(f.fetchedUpToUs()).toBe(T0 + 20);
  });
});
