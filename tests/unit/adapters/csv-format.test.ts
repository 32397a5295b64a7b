import { describe, expect, it } from 'vitest';
import type { ParseOutcome } from '../../../adapters/protocol/outcome.js';
import { SerialErrorCode } from '../../../adapters/serial/errors.js';
import { CsvParser, splitDelimited } from '../../../adapters/serial/protocol/csv.js';
import { ConfigError } from '../../../runtime/errors.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

function read(outcome: ParseOutcome) {
  if (outcome.kind !== 'read') throw new Error(`expected a read, got ${JSON.stringify(outcome)}`);
  return outcome.read;
}
function error(outcome: ParseOutcome) {
  if (outcome.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

describe('csv', () => {
  it('maps configured columns, skips the header line, strips CR', () => {
    const parser = new CsvParser({ columns: ['epc', 'antenna', 'rssiDbm', 'ts'] });
    expect(parser.parse('epc,antenna,rssiDbm,ts')).toEqual({ kind: 'skip', reason: 'header line' });
    expect(read(parser.parse('3178e61c883950f59a000000, 2 ,-61.5,2026-04-02T12:00:01.250Z\r'))).toEqual({
      epc: '3178E61C883950F59A000000',
      antenna: 2,
      rssiDbm: -61.5,
      seenAtUs: us('2026-04-02T12:00:01.250Z'),
      count: 1,
    });
  });

  it('supports other delimiters, ignored columns, 0-based antennas, ms and local times, quotes', () => {
    const parser = new CsvParser({
      columns: ['-', 'epc', 'antenna', 'seenAtMs', 'count'],
      delimiter: ';',
      antennaBase: 0,
    });
    expect(read(parser.parse('"gate; west";3178E61C883950F59A000000;0;1775131201250;7'))).toEqual({
      epc: '3178E61C883950F59A000000',
      antenna: 1,
      seenAtUs: 1775131201250000,
      count: 7,
    });
    const local = new CsvParser({ columns: ['epc', 'antenna', 'localTime'], timeZone: 'Asia/Shanghai' });
    expect(read(local.parse('3178E61C883950F59A000000,1,2026/04/02 20:00:01')).seenAtUs).toBe(
      us('2026-04-02T12:00:01Z'),
    );
  });

  it('gives reasons for short lines, bad times and bad fields', () => {
    const parser = new CsvParser({ columns: ['epc', 'antenna', 'ts'] });
    expect(error(parser.parse('3178E61C883950F59A000000,1')).code).toBe(SerialErrorCode.UNRECOGNISED_LINE);
    expect(error(parser.parse('3178E61C883950F59A000000,1,2026-04-02 12:00')).code).toBe(
      SerialErrorCode.BAD_TIME,
    );
    const bad = error(parser.parse('3178E61C883950F59A000000,one,2026-04-02T12:00:00Z'));
    expect(bad.code).toBe(SerialErrorCode.BAD_READ);
    expect(bad.message).toMatch(/antenna/);
  });

  it('splits quoted fields with doubled quotes inside', () => {
    expect(splitDelimited('a,"b,""c""",d', ',')).toEqual(['a', 'b,"c"', 'd']);
  });

  it('refuses column lists it cannot use', () => {
    expect(() => new CsvParser({ columns: ['epc', 'antenna'] })).toThrow(/time column/);
    expect(() => new CsvParser({ columns: ['epc', 'ant', 'ts'] })).toThrow(ConfigError);
    expect(() => new CsvParser({ columns: ['epc', 'antenna', 'ts'], delimiter: '"' })).toThrow(/delimiter/);
  });
});
