/** µs since the epoch → "YYYY/MM/DD hh:mm:ss[.ffffff]" wall time in `timeZone`, as Alien readers print it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatAlienLocalTime(epochUs: number, timeZone: string, withFraction = true): string {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const ms = Math.floor(epochUs / 1000);
  const p: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(ms))) p[part.type] = part.value;
  const micros = ((epochUs % 1_000_000) + 1_000_000) % 1_000_000;
  const fraction = withFraction && micros !== 0 ? `.${String(micros).padStart(6, '0')}` : '';
  return `${p['year']}/${p['month']}/${p['day']} ${p['hour']}:${p['minute']}:${p['second']}${fraction}`;
}
