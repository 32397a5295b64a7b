import { describe, expect, it } from 'vitest';
import { isoToEpochUs } from '../../../adapters/serial/index.js';

describe('isoToEpochUs', () => {
  it('agrees with Date.parse to the millisecond', () => {
    for (const text of [
      '2026-04-02T12:00:01Z',
      '2018-06-14T00:15:54.368Z',
      '2000-01-01T00:00:00Z',
      '2099-12-31T23:59:59.999Z',
    ]) {
      expect(isoToEpochUs(text)).toBe(Date.parse(text) * 1000);
    }
  });

  it('keeps µs and truncates below them', () => {
    expect(isoToEpochUs('2018-06-14T00:15:54.36879Z')).toBe(
      Date.parse('2018-06-14T00:15:54Z') * 1000 + 368_790,
    );
    expect(isoToEpochUs('2018-06-14T00:15:54.123456789Z')).toBe(
      Date.parse('2018-06-14T00:15:54Z') * 1000 + 123_456,
    );
    expect(isoToEpochUs('2018-06-14T00:15:54,5Z')).toBe(Date.parse('2018-06-14T00:15:54Z') * 1000 + 500_000);
  });

  it('applies offsets in every spelling', () => {
    const utc = Date.parse('2021-03-15T12:14:30Z') * 1000;
    expect(isoToEpochUs('2021-03-15T13:14:30+01:00')).toBe(utc);
    expect(isoToEpochUs('2021-03-15T13:14:30+0100')).toBe(utc);
    expect(isoToEpochUs('2021-03-15T07:44:30-04:30')).toBe(utc);
    expect(isoToEpochUs('2021-03-15 12:14:30z')).toBe(utc);
  });

  it('refuses what is not a zoned date-time', () => {
    for (const text of [
      '2021-03-15T12:14:30', // no zone: ambiguous
      '2021-03-15',
      '2021/03/15 12:14:30Z', // Alien-style local dates are another protocol's job
      '2021-02-29T00:00:00Z', // not a leap year
      '2021-13-01T00:00:00Z',
      '2021-03-15T24:00:00Z',
      '2021-03-15T12:60:00Z',
      '2021-03-15T12:14:30+25:00',
      ' 2021-03-15T12:14:30Z',
      '',
    ]) {
      expect(isoToEpochUs(text), text).toBeUndefined();
    }
    expect(isoToEpochUs('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z') * 1000);
  });
});
