import { describe, expect, it } from 'vitest';
import {
  isValidTimeZone,
  localDateTimeToEpochUs,
  wallTimeToEpochUs,
  zoneOffsetMs,
} from '../../../adapters/protocol/local-time.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

describe('reader-local time to µs since the epoch', () => {
  it('converts with the zone offset (Shanghai is UTC+8, no DST)', () => {
    expect(localDateTimeToEpochUs('2026/04/02 20:00:01', 'Asia/Shanghai')).toBe(us('2026-04-02T12:00:01Z'));
    expect(zoneOffsetMs('Asia/Shanghai', Date.parse('2026-01-01T00:00:00Z'))).toBe(8 * 3_600_000);
  });

  it('follows DST: Berlin is UTC+1 in January and UTC+2 in July', () => {
    expect(localDateTimeToEpochUs('2026/01/15 12:00:00', 'Europe/Berlin')).toBe(us('2026-01-15T11:00:00Z'));
    expect(localDateTimeToEpochUs('2026/07/15 12:00:00', 'Europe/Berlin')).toBe(us('2026-07-15T10:00:00Z'));
  });

  it('takes the earlier instant for a wall time repeated when DST ends (New York, 2026-11-01 01:30)', () => {
    expect(localDateTimeToEpochUs('2026/11/01 01:30:00', 'America/New_York')).toBe(
      us('2026-11-01T05:30:00Z'),
    );
  });

  it('shifts a wall time skipped when DST starts forward by the gap (New York, 2026-03-08 02:30 → 03:30 EDT)', () => {
    expect(localDateTimeToEpochUs('2026/03/08 02:30:00', 'America/New_York')).toBe(
      us('2026-03-08T07:30:00Z'),
    );
  });

  it('keeps fractions to the µs, and accepts single-digit fields and two-digit years', () => {
    expect(localDateTimeToEpochUs('2026/04/02 12:00:01.123456789', 'UTC')).toBe(
      us('2026-04-02T12:00:01Z') + 123_456,
    );
    expect(localDateTimeToEpochUs('2026/4/2 9:00:01', 'UTC')).toBe(us('2026-04-02T09:00:01Z'));
    expect(localDateTimeToEpochUs('26/04/02 09:00:01', 'UTC')).toBe(us('2026-04-02T09:00:01Z'));
  });

  it('refuses dates that do not exist and text that is not a date-time', () => {
    expect(localDateTimeToEpochUs('2026/02/30 12:00:00', 'UTC')).toBeUndefined();
    expect(localDateTimeToEpochUs('2026/04/02 24:00:00', 'UTC')).toBeUndefined();
    expect(localDateTimeToEpochUs('yesterday', 'UTC')).toBeUndefined();
    expect(
      wallTimeToEpochUs({ year: 2026, month: 13, day: 1, hour: 0, minute: 0, second: 0 }, 'UTC'),
    ).toBeUndefined();
  });

  it('knows which zone names are valid', () => {
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
