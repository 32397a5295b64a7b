import { describe, expect, it } from 'vitest';
import { ChangelogSchedule } from '../../../pipeline/runtime/changelog-schedule.js';
import { ManualClock } from '../../../runtime/clock.js';
import { T0 } from './fixtures.js';

describe('ChangelogSchedule', () => {
  it('is due once something was applied, then at most once per interval', () => {
    const clock = new ManualClock(T0);
    const s = new ChangelogSchedule(clock, 1_000_000);
    expect(s.due(0)).toBe(false); // nothing applied yet
    s.note(0);
    expect(s.due(0)).toBe(true); // no write yet: at once
    s.written(0, 10);
    expect(s.coveredOffset(0)).toBe(10);
    s.note(0);
    clock.advance(999_999);
    expect(s.due(0)).toBe(false);
    expect(s.duePartitions()).toEqual([]);
    clock.advance(1);
    expect(s.due(0)).toBe(true);
    expect(s.duePartitions()).toEqual([0]);
  });

  it('lists due partitions in order and keeps each one apart', () => {
    const clock = new ManualClock(T0);
    const s = new ChangelogSchedule(clock, 0);
    for (const p of [3, 1, 2]) s.note(p);
    s.written(2, 5);
    expect(s.duePartitions()).toEqual([1, 3]);
    expect(s.coveredOffset(2)).toBe(5);
    expect(s.coveredOffset(1)).toBeUndefined();
  });

  it('empties the key set in place on a write, so a batch that wrote half-way keeps adding to it', () => {
    const s = new ChangelogSchedule(new ManualClock(T0));
    const keys = s.keys(0);
    keys.add('a');
    s.note(0);
    s.written(0, 1);
    expect(keys.size).toBe(0);
    keys.add('b');
    expect([...s.keys(0)]).toEqual(['b']);
  });

  it('after a restore, writes at once or after the interval, as the stage asks', () => {
    const clock = new ManualClock(T0);
    const s = new ChangelogSchedule(clock, 1_000_000);
    s.restored(0, 7, true);
    s.restored(1, 9, false);
    s.note(0);
    s.note(1);
    expect(s.duePartitions()).toEqual([0]);
    expect([s.coveredOffset(0), s.coveredOffset(1)]).toEqual([7, 9]);
  });

  it('starts covered at the first offset a fresh state sees, never moving a known one', () => {
    const s = new ChangelogSchedule(new ManualClock(T0));
    s.startAt(0, 42);
    s.startAt(0, 50);
    expect(s.coveredOffset(0)).toBe(42);
    s.forget(0);
    expect(s.coveredOffset(0)).toBeUndefined();
  });

  it('refuses a negative interval', () => {
    expect(() => new ChangelogSchedule(new ManualClock(T0), -1)).toThrow(RangeError);
  });
});
