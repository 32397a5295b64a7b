import { describe, expect, it } from 'vitest';
import type { ParseOutcome } from '../../../adapters/protocol/outcome.js';
import { SerialErrorCode } from '../../../adapters/serial/errors.js';
import { compileAlienCustomFormat } from '../../../adapters/serial/protocol/alien-custom.js';
import { createLineParser } from '../../../adapters/serial/protocol/line-format.js';
import { ConfigError } from '../../../runtime/errors.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

function reads(outcomes: ParseOutcome[]) {
  return outcomes.flatMap((o) => (o.kind === 'read' ? [o.read] : []));
}
function errors(outcomes: ParseOutcome[]) {
  return outcomes.flatMap((o) => (o.kind === 'error' ? [o.error] : []));
}

// A notification as an ALR-9800 sends it on its NotifyAddress (Reader Interface Guide 8101938-000 rev 05).
const NOTIFICATION = [
  '#Alien RFID Reader Auto Notification Message',
  '#ReaderName: Dock Door 1',
  '#ReaderType: Alien RFID Tag Reader, Model: ALR-9800 (Four Antenna / Gen 2 / 902-928 MHz)',
  '#IPAddress: 10.1.1.20',
  '#CommandPort: 23',
  '#Time: 2026/04/02 20:00:05',
  '#Reason: TIMER',
  'Tag:3178 E61C 8839 50F5 9A00 0000, Disc:2026/04/02 20:00:00, Last:2026/04/02 20:00:01, Count:4, Ant:0',
  'Tag:3000 2141 60C0 0400 0000 6013, Disc:2026/04/02 20:00:02, Last:2026/04/02 20:00:03, Count:2, Ant:3, Proto:2',
  '#End of Notification Message',
];

describe('alien-text', () => {
  it('parses a notification block: headers skipped, local time converted, antenna made 1-based', () => {
    const parser = createLineParser({ format: 'alien-text', timeZone: 'Asia/Shanghai' });
    const outcomes = NOTIFICATION.map((line) => parser.parse(line));
    expect(outcomes.filter((o) => o.kind === 'skip')).toHaveLength(8);
    expect(reads(outcomes)).toEqual([
      { epc: '3178E61C883950F59A000000', antenna: 1, seenAtUs: us('2026-04-02T12:00:01Z'), count: 4 },
      { epc: '3000214160C0040000006013', antenna: 4, seenAtUs: us('2026-04-02T12:00:03Z'), count: 2 },
    ]);
  });

  it('tolerates CRLF, odd spacing, lower-case hex, Disc only and an Rssi field', () => {
    const parser = createLineParser({ format: 'alien-text', timeZone: 'UTC' });
    const outcome = parser.parse(
      '  Tag:3178 e61c 8839 50f5 9a00 0000 ,Disc:2026/04/02 12:00:00 ,  Count:1,Ant:1, Rssi:-61.5\r',
    );
    expect(reads([outcome])).toEqual([
      {
        epc: '3178E61C883950F59A000000',
        antenna: 2,
        seenAtUs: us('2026-04-02T12:00:00Z'),
        count: 1,
        rssiDbm: -61.5,
      },
    ]);
  });

  it('skips "(No Tags)" and blank lines', () => {
    const parser = createLineParser({ format: 'alien-text' });
    expect(parser.parse('(No Tags)')).toEqual({ kind: 'skip', reason: 'empty tag list' });
    expect(parser.parse('   \r').kind).toBe('skip');
  });

  it('gives each kind of garbage its own reason', () => {
    const parser = createLineParser({ format: 'alien-text' });
    const [notTag, badTime, badEpc, noAnt] = errors([
      parser.parse('Hello from the reader'),
      parser.parse('Tag:3178 E61C, Disc:2026/13/40 12:00:00, Count:1, Ant:0'),
      parser.parse('Tag:31ZZ E61C, Last:2026/04/02 12:00:00, Count:1, Ant:0'),
      parser.parse('Tag:3178 E61C, Last:2026/04/02 12:00:00, Count:1'),
    ]);
    expect(notTag?.code).toBe(SerialErrorCode.UNRECOGNISED_LINE);
    expect(notTag?.message).toMatch(/Hello from the reader/);
    expect(badTime?.code).toBe(SerialErrorCode.BAD_TIME);
    expect(badEpc?.code).toBe(SerialErrorCode.BAD_READ);
    expect(badEpc?.message).toMatch(/epc/);
    expect(noAnt?.code).toBe(SerialErrorCode.BAD_READ);
    expect(noAnt?.message).toMatch(/antenna/);
  });
});

describe('alien-terse', () => {
  it('takes the time of the notification header around it', () => {
    const parser = createLineParser({ format: 'alien-terse', timeZone: 'Europe/Berlin' });
    const lines = [
      '#Alien RFID Reader Auto Notification Message',
      '#Time: 2026/07/15 12:00:00',
      '3178 E61C 8839 50F5 9A00 0000,4,0',
      '3000 2141 60C0 0400 0000 6013, 2 , 1\r',
      '#End of Notification Message',
    ];
    expect(reads(lines.map((line) => parser.parse(line, 1)))).toEqual([
      { epc: '3178E61C883950F59A000000', count: 4, antenna: 1, seenAtUs: us('2026-07-15T10:00:00Z') },
      { epc: '3000214160C0040000006013', count: 2, antenna: 2, seenAtUs: us('2026-07-15T10:00:00Z') },
    ]);
  });

  it('uses the reception time outside a notification, and says so when there is none', () => {
    const parser = createLineParser({ format: 'alien-terse' });
    const receivedAtUs = us('2026-04-02T12:00:00Z');
    expect(reads([parser.parse('1115 F268 81C3 C012,4,0', receivedAtUs)])[0]?.seenAtUs).toBe(receivedAtUs);
    expect(errors([parser.parse('1115 F268 81C3 C012,4,0')])[0]?.code).toBe(SerialErrorCode.BAD_TIME);
  });

  it('refuses lines of another shape', () => {
    const parser = createLineParser({ format: 'alien-terse' });
    expect(errors([parser.parse('Tag:1115 F268, Count:1, Ant:0', 1)])[0]?.code).toBe(
      SerialErrorCode.UNRECOGNISED_LINE,
    );
    expect(
      errors([parser.parse('1115 F268 81C3 C012,many,0', us('2026-04-02T12:00:00Z'))])[0]?.message,
    ).toMatch(/count/);
  });
});

describe('alien-custom', () => {
  it('matches the configured token format (guide example "Tag %k, read %r times from antenna %a")', () => {
    const parser = createLineParser({
      format: 'alien-custom',
      customFormat: 'Tag %k, read %r times from antenna %a',
    });
    const receivedAtUs = us('2026-04-02T12:00:00Z');
    expect(
      reads([parser.parse('Tag 102FED3D03030001, read 120 times from antenna 1', receivedAtUs)]),
    ).toEqual([{ epc: '102FED3D03030001', count: 120, antenna: 2, seenAtUs: receivedAtUs }]);
  });

  it('reads dates, spaced ids, RSSI and ignores Rifidi ${…} fields, with loose spacing', () => {
    const parser = createLineParser({
      format: 'alien-custom',
      customFormat: '%i;%D %T;%r;%a;Rssi:%m;${DIR}',
      timeZone: 'Asia/Shanghai',
    });
    expect(
      reads([parser.parse('3178 E61C 8839 50F5 9A00 0000;2026/04/02 20:00:01.5;3;0;Rssi:-55.5;IN')]),
    ).toEqual([
      {
        epc: '3178E61C883950F59A000000',
        count: 3,
        antenna: 1,
        rssiDbm: -55.5,
        seenAtUs: us('2026-04-02T12:00:01.500Z'),
      },
    ]);
    const csvLike = createLineParser({ format: 'alien-custom', customFormat: '%k,%d %t,%a' });
    expect(reads([csvLike.parse('3178E61C883950F59A000000 ,  26/04/02   12:00:00,2')])[0]).toMatchObject({
      antenna: 3,
      count: 1,
      seenAtUs: us('2026-04-02T12:00:00Z'),
    });
  });

  it('refuses a line that does not match, naming the format', () => {
    const parser = createLineParser({ format: 'alien-custom', customFormat: '%k,%D %T,%a' });
    const error = errors([parser.parse('something else')])[0];
    expect(error?.code).toBe(SerialErrorCode.UNRECOGNISED_LINE);
    expect(error?.message).toContain('%k,%D %T,%a');
  });

  it('refuses bad formats up front', () => {
    expect(() => compileAlienCustomFormat('%k %z')).toThrow(/unknown token %z/);
    expect(() => compileAlienCustomFormat('%D %T %a')).toThrow(/needs %i or %k/);
    expect(() => compileAlienCustomFormat('%k %D')).toThrow(/needs %a or %A/);
    expect(() => createLineParser({ format: 'alien-custom' })).toThrow(ConfigError);
    expect(() => createLineParser({ format: 'alien-text', timeZone: 'Nowhere/City' })).toThrow(/timeZone/);
  });
});
