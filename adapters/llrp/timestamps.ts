/**
 * LLRP timestamps are u64 microseconds (UTCTimestamp: since 1970-01-01 UTC; Uptime: since boot).
 * They stay `bigint` in decoded objects: a JS Date has only milliseconds (llrpjs loses the µs).
 */

/** A Date for a UTC µs value (sub-millisecond digits dropped — Date cannot hold them). */
export function microsToDate(us: bigint): Date {
  return new Date(Number(us / 1000n));
}

/** ISO-8601 with all six fractional digits, e.g. `2007-03-07T17:01:18.714842Z`. */
export function microsToIso(us: bigint): string {
  const ms = us / 1000n;
  const frac = (us % 1_000_000n).toString().padStart(6, '0');
  const iso = new Date(Number(ms)).toISOString(); // …T17:01:18.714Z
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/**
 * A JSON-safe rendering: a Number when it is exactly representable (≤ 2^53 − 1, i.e. any UTC
 * microsecond value before the year 2255), else a decimal string.
 */
export function microsToJson(us: bigint): number | string {
  return us <= BigInt(Number.MAX_SAFE_INTEGER) && us >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(us)
    : us.toString();
}
