import type { TagRead } from '../../schemas/index.js';
import { formatAlienLocalTime } from './local-time.js';

/**
 * What a serial reader of each line format prints for simulated reads (the inverse of
 * adapters/serial/protocol/*), so the simulator can drive any format and tests can round-trip
 * emit → parse. Alien antennas are 0-based on the wire; TagRead's are 1-based.
 */

/** "3178 E61C 8839 …": Alien's spaced 16-bit words. */
export function spacedHex(epc: string): string {
  return epc.match(/.{1,4}/g)?.join(' ') ?? epc;
}

/** One Alien notification (Text format) holding `reads`, with header and footer; CRLF line ends. */
export function emitAlienTextNotification(
  reads: TagRead[],
  options: { readerName: string; timeZone: string; nowUs: number },
): string {
  const lines = [
    '#Alien RFID Reader Auto Notification Message',
    `#ReaderName: ${options.readerName}`,
    '#ReaderType: Alien RFID Tag Reader, Model: ALR-9800 (Four Antenna / Gen 2 / 902-928 MHz)',
    '#IPAddress: 10.1.1.20',
    '#CommandPort: 23',
    `#Time: ${formatAlienLocalTime(options.nowUs, options.timeZone, false)}`,
    '#Reason: TIMER',
    ...reads.map((read) => {
      const last = formatAlienLocalTime(read.seenAtUs, options.timeZone);
      const rssi = read.rssiDbm === undefined ? '' : `, Rssi:${read.rssiDbm}`;
      return `Tag:${spacedHex(read.epc)}, Disc:${last}, Last:${last}, Count:${read.count}, Ant:${read.antenna - 1}, Proto:2${rssi}`;
    }),
    '#End of Notification Message',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Alien Terse lines inside a notification whose #Time is the reads' time (Terse has no time per tag). */
export function emitAlienTerseNotification(
  reads: TagRead[],
  options: { timeZone: string; nowUs: number },
): string {
  const lines = [
    '#Alien RFID Reader Auto Notification Message',
    `#Time: ${formatAlienLocalTime(options.nowUs, options.timeZone)}`,
    ...reads.map((read) => `${spacedHex(read.epc)},${read.count},${read.antenna - 1}`),
    '#End of Notification Message',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** The custom format "%k,%D %T,%r,%a,%m" (a common TagListCustomFormat with Rifidi's RSSI token). */
export const ALIEN_CUSTOM_FORMAT = '%k,%D %T,%r,%a,%m';

export function emitAlienCustomLine(read: TagRead, timeZone: string): string {
  return `${read.epc},${formatAlienLocalTime(read.seenAtUs, timeZone)},${read.count},${read.antenna - 1},${read.rssiDbm ?? -70}\n`;
}

/** CSV with columns CSV_EMIT_COLUMNS. */
export const CSV_EMIT_COLUMNS = ['epc', 'antenna', 'rssiDbm', 'seenAtUs', 'count'] as const;

export function emitCsvLine(read: TagRead): string {
  return `${read.epc},${read.antenna},${read.rssiDbm ?? ''},${read.seenAtUs},${read.count}\n`;
}
