import { describe, expect, it } from 'vitest';
import {
  SerialErrorCode,
  SerialLineError,
  parseJsonlLine,
  type JsonlLineResult,
} from '../../../adapters/serial/index.js';

const GOOD =
  '{"epc":"3178E61C883950F59A000000","antenna":1,"rssiDbm":-52.5,"seenAtUs":1764000000000000,"count":1}';

function expectRead(result: JsonlLineResult) {
  if (result.kind !== 'read') throw new Error(`expected a read, got ${JSON.stringify(result)}`);
  return result.read;
}

function expectError(result: JsonlLineResult): SerialLineError {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  expect(result.error).toBeInstanceOf(SerialLineError);
  expect(result.error.retriable).toBe(false);
  return result.error;
}

describe('parseJsonlLine', () => {
  it('parses a full line into a TagRead', () => {
    expect(expectRead(parseJsonlLine(GOOD))).toEqual({
      epc: '3178E61C883950F59A000000',
      antenna: 1,
      rssiDbm: -52.5,
      seenAtUs: 1764000000000000,
      count: 1,
    });
  });

  it('strips a trailing CR (CRLF line endings)', () => {
    expect(expectRead(parseJsonlLine(`${GOOD}\r`)).epc).toBe('3178E61C883950F59A000000');
  });

  it('upper-cases lower-case hex in epc and tid', () => {
    const read = expectRead(
      parseJsonlLine(
        '{"epc":"3178e61c883950f59a00abcd","antenna":2,"seenAtUs":1764000000000000,"tid":"e2801160"}',
      ),
    );
    expect(read.epc).toBe('3178E61C883950F59A00ABCD');
    expect(read.tid).toBe('E2801160');
  });

  it('defaults count to 1 and keeps optional fields', () => {
    const read = expectRead(
      parseJsonlLine(
        '{"epc":"3000","antenna":3,"seenAtUs":1764000000000000,"phaseDeg":32.5,"frequencyKhz":926750}',
      ),
    );
    expect(read).toEqual({
      epc: '3000',
      antenna: 3,
      seenAtUs: 1764000000000000,
      count: 1,
      phaseDeg: 32.5,
      frequencyKhz: 926750,
    });
  });

  it('converts an ISO-8601 ts to µs, keeping sub-millisecond digits', () => {
    const read = expectRead(parseJsonlLine('{"epc":"3000","antenna":1,"ts":"2026-04-02T12:00:01.250123Z"}'));
    expect(read.seenAtUs).toBe(Date.UTC(2026, 3, 2, 12, 0, 1) * 1000 + 250_123);
    expect(read).not.toHaveProperty('ts');
  });

  it('applies the ts zone offset', () => {
    const utc = expectRead(parseJsonlLine('{"epc":"3000","antenna":1,"ts":"2021-03-15T12:14:30Z"}')).seenAtUs;
    const shanghai = expectRead(
      parseJsonlLine('{"epc":"3000","antenna":1,"ts":"2021-03-15T20:14:30+08:00"}'),
    ).seenAtUs;
    const compact = expectRead(
      parseJsonlLine('{"epc":"3000","antenna":1,"ts":"2021-03-15T13:14:30+0100"}'),
    ).seenAtUs;
    expect(shanghai).toBe(utc);
    expect(compact).toBe(utc);
  });

  it('prefers seenAtUs when both seenAtUs and ts are given', () => {
    const read = expectRead(
      parseJsonlLine('{"epc":"3000","antenna":1,"seenAtUs":1764000000000001,"ts":"2021-03-15T12:14:30Z"}'),
    );
    expect(read.seenAtUs).toBe(1764000000000001);
  });

  it('ignores unknown fields', () => {
    const read = expectRead(
      parseJsonlLine('{"epc":"3000","antenna":1,"seenAtUs":1764000000000000,"firmware":"2.1"}'),
    );
    expect(read).not.toHaveProperty('firmware');
  });

  it('skips blank lines, including a lone CR and white space', () => {
    for (const line of ['', '\r', '   ', '\t\r']) expect(parseJsonlLine(line)).toEqual({ kind: 'blank' });
  });

  it('refuses garbage as BT_SERIAL_BAD_JSON', () => {
    const error = expectError(parseJsonlLine('garbage'));
    expect(error.code).toBe(SerialErrorCode.BAD_JSON);
    expect(error.message).toMatch(/^not valid JSON: /);
  });

  it('refuses truncated JSON (a half line after a reconnect)', () => {
    const error = expectError(
      parseJsonlLine('E61C883950F59A000000","antenna":1,"seenAtUs":1764000000000000}'),
    );
    expect(error.code).toBe(SerialErrorCode.BAD_JSON);
    expect(expectError(parseJsonlLine('{"epc":"3000","antenna":1,')).code).toBe(SerialErrorCode.BAD_JSON);
  });

  it('refuses JSON that is not an object, saying what it is', () => {
    expect(expectError(parseJsonlLine('[1,2]')).message).toBe('must be a JSON object, got an array');
    expect(expectError(parseJsonlLine('null')).message).toBe('must be a JSON object, got null');
    expect(expectError(parseJsonlLine('42')).code).toBe(SerialErrorCode.NOT_AN_OBJECT);
  });

  it('names every missing field', () => {
    const error = expectError(parseJsonlLine('{"rssiDbm":-50}'));
    expect(error.code).toBe(SerialErrorCode.BAD_READ);
    expect(error.message).toBe('invalid TagRead: missing epc, antenna, seenAtUs (or ts)');
  });

  it('refuses an EPC of impossible length, naming the field and the rule', () => {
    const error = expectError(
      parseJsonlLine('{"epc":"3178E61C883950F59A00000","antenna":1,"seenAtUs":1764000000000000}'),
    );
    expect(error.code).toBe(SerialErrorCode.BAD_READ);
    expect(error.message).toMatch(/^invalid TagRead: epc: must be 1 to 31 16-bit words/);
    const tooLong = `{"epc":"${'A'.repeat(128)}","antenna":1,"seenAtUs":1764000000000000}`;
    expect(expectError(parseJsonlLine(tooLong)).message).toMatch(/epc: must be 1 to 31 16-bit words/);
  });

  it('refuses an EPC that is not hex', () => {
    const error = expectError(parseJsonlLine('{"epc":"3178-E61C","antenna":1,"seenAtUs":1764000000000000}'));
    expect(error.message).toMatch(/epc: must be upper-case hex/);
  });

  it('refuses timestamps in the wrong unit, naming seenAtUs', () => {
    const ms = expectError(parseJsonlLine('{"epc":"3000","antenna":1,"seenAtUs":1764000000000}'));
    expect(ms.message).toMatch(/seenAtUs: must be µs since the Unix epoch \(looks too small/);
  });

  it('refuses a ts without a zone or an impossible date, naming ts', () => {
    const local = expectError(parseJsonlLine('{"epc":"3000","antenna":1,"ts":"2026-04-02T12:00:01"}'));
    expect(local.message).toMatch(/^invalid TagRead: ts: must be an ISO-8601 date-time with a zone/);
    expect(local.message).toContain('"2026-04-02T12:00:01"');
    expect(
      expectError(parseJsonlLine('{"epc":"3000","antenna":1,"ts":"2026-02-30T12:00:01Z"}')).message,
    ).toMatch(/ts:/);
    expect(expectError(parseJsonlLine('{"epc":"3000","antenna":1,"ts":1764000000}')).message).toMatch(/ts:/);
  });

  it('names each bad field when several are wrong', () => {
    const error = expectError(
      parseJsonlLine('{"epc":"3000","antenna":0,"seenAtUs":1764000000000000,"count":0}'),
    );
    expect(error.message).toContain('antenna:');
    expect(error.message).toContain('count:');
  });

  it('refuses a line longer than the limit without parsing it', () => {
    const long = `{"epc":"3000","antenna":1,"seenAtUs":1764000000000000,"pad":"${'x'.repeat(300)}"}`;
    expect(expectRead(parseJsonlLine(long, { maxLineBytes: 1000 })).epc).toBe('3000');
    const error = expectError(parseJsonlLine(long, { maxLineBytes: 256 }));
    expect(error.code).toBe(SerialErrorCode.LINE_TOO_LONG);
    expect(error.message).toBe('line longer than 256 bytes');
    // The limit counts UTF-8 bytes, not characters.
    expect(expectError(parseJsonlLine('é'.repeat(200), { maxLineBytes: 300 })).code).toBe(
      SerialErrorCode.LINE_TOO_LONG,
    );
    expect(expectError(parseJsonlLine('x'.repeat(65_537))).code).toBe(SerialErrorCode.LINE_TOO_LONG);
  });
});
