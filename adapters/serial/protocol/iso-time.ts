/**
 * ISO-8601 / RFC 3339 date-times to µs since the Unix epoch, keeping sub-millisecond digits that
 * `Date.parse` would drop (readers print e.g. `2018-06-14T00:15:54.36879Z`, formats.md §2.2).
 *
 *   date-time = YYYY "-" MM "-" DD ("T" / " ") hh ":" mm ":" ss ["." 1*9DIGIT] ("Z" / ("+" / "-") hh [":"] mm)
 *
 * A zone designator is required: a local time without one is ambiguous (which zone? which DST
 * side?), and guessing would shift every read of the reader by hours. Digits beyond µs are truncated.
 * Pure: no clock, no locale.
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** µs since the epoch, or undefined when `text` is not a valid date-time with a zone. */
export function isoToEpochUs(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over to March 2nd; a reader that prints that is broken, not early.
  if (new Date(utcMs).getUTCDate() !== day) return undefined;

  const fractionUs = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0').slice(0, 6));
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Local time = UTC + offset, so UTC = local − offset.
  return (utcMs - offsetMinutes * 60_000) * 1000 + fractionUs;
}
