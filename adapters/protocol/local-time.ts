/**
 * Reader-local wall-clock times to µs since the epoch, for readers that print local time without an
 * offset (Alien: "YYYY/MM/DD hh:mm:ss" in the reader's TimeZone setting, formats.md §2.4).
 *
 * The zone's offset comes from Intl.DateTimeFormat (the IANA database Node ships), so DST rules are
 * the real ones. For a wall time that occurs twice (the hour repeated when DST ends) the earlier
 * instant is taken; for one that never occurs (the hour skipped when DST starts) the instant the
 * same distance after the gap's start is taken, as java.time and Temporal ("compatible") do.
 * Pure: no clock; the only state is a cache of formatters per zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** `${zone}|${wall hour}` → offset in ms, for wall hours far from any DST transition. */
const steadyOffsets = new Map<string, number>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `timeZone` is an IANA zone name (or "UTC") that this Node knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `utcMs`, in ms (e.g. +8 h for Asia/Shanghai). */
export function zoneOffsetMs(timeZone: string, utcMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    parts['year'] ?? 0,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    parts['hour'] ?? 0,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  );
  // formatToParts drops the milliseconds; compare whole seconds.
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Sub-second part in µs, 0..999_999. */
  micros?: number;
}

/** µs since the epoch of wall time `t` in `timeZone`, or undefined if `t` is not a real date. */
export function wallTimeToEpochUs(t: WallTime, timeZone: string): number | undefined {
  const { year, month, day, hour, minute, second } = t;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(asUtc).getUTCDate() !== day) return undefined; // 2026/02/30
  // A reader's lines share a few wall hours; Intl is slow (µs per call), so the offset of a wall
  // hour with no transition within a day of it is cached.
  const hourKey = `${timeZone}|${Math.floor(asUtc / 3_600_000)}`;
  const cached = steadyOffsets.get(hourKey);
  if (cached !== undefined) return (asUtc - cached) * 1000 + (t.micros ?? 0);
  // Two passes: the offset at a guess, then at the corrected instant. Where they differ the wall
  // time is in a DST transition; taking the smaller of the candidate instants gives "earlier".
  const before = zoneOffsetMs(timeZone, asUtc - 86_400_000);
  const after = zoneOffsetMs(timeZone, asUtc + 86_400_000);
  const candidates = [asUtc - before, asUtc - after].filter(
    (utc) => utc + zoneOffsetMs(timeZone, utc) === asUtc,
  );
  // No candidate maps back: the wall time is in a gap; shift by the offset before the gap.
  const utcMs = candidates.length > 0 ? Math.min(...candidates) : asUtc - before;
  if (before === after && candidates.length > 0) {
    if (steadyOffsets.size >= 4096) steadyOffsets.clear();
    steadyOffsets.set(hourKey, before);
  }
  return utcMs * 1000 + (t.micros ?? 0);
}

/**
 * "2003/01/21 09:00:51", or "2002/6/3 9:23:01" (Alien `Get Time`), or "03/01/21 …" (custom-format
 * `%d` is YY/MM/DD on older firmware: years 00-99 are 2000-2099); "-" separators and an optional
 * ".fraction" of a second are accepted.
 */
const ALIEN_DATE_TIME =
  /^(\d{4}|\d{2})[/-](\d{1,2})[/-](\d{1,2})[ T]+(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?$/;

/** Parse an Alien-style local date-time in `timeZone`; undefined when malformed. */
export function localDateTimeToEpochUs(text: string, timeZone: string): number | undefined {
  const m = ALIEN_DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  return wallTimeToEpochUs(
    {
      year: m[1]!.length === 2 ? 2000 + Number(m[1]) : Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
      micros: m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0').slice(0, 6)),
    },
    timeZone,
  );
}
